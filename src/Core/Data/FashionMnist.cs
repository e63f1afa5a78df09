namespace Functional.Data;

/// <summary>
/// Loads Fashion-MNIST (Zalando Research, MIT licence): 28×28 grey-scale images of clothing in 10 classes, as
/// IDX files. Images come back flattened to [N, 784] Float32 in [0, 1] (each byte / 255), labels as Int64 in 0..9.
/// PyTorch: <c>torchvision.datasets.FashionMNIST</c> with <c>ToTensor()</c> and a flatten.
/// </summary>
/// <remarks>
/// Each file may be plain or gzipped: for <c>NAME</c> the loader reads <c>NAME</c> if it exists, else <c>NAME.gz</c>.
/// The repository ships only the 10,000-image test set (<c>data/fashion-mnist/t10k-images-idx3-ubyte.gz</c> and
/// <c>t10k-labels-idx1-ubyte.gz</c>); <see cref="LoadDefault"/> splits it into a training and an evaluation set.
/// The full set (with the 60,000 training images) is in Debian's <c>dataset-fashion-mnist</c> package, under
/// <c>/usr/share/datasets/fashion-mnist</c>; <see cref="Load"/> reads it.
/// </remarks>
public static class FashionMnist
{
    /// <summary>The side of an image in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The number of features of a flattened image (28 × 28).</summary>
    public const int Features = ImageSize * ImageSize;

    /// <summary>How many of the 10,000 test-set samples <see cref="LoadDefault"/> uses for training (the first
    /// 8,000); the remaining 2,000 are for evaluation.</summary>
    public const int DefaultTrainCount = 8000;

    /// <summary>The training images file name (without <c>.gz</c>).</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";
    /// <summary>The training labels file name (without <c>.gz</c>).</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";
    /// <summary>The test images file name (without <c>.gz</c>).</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";
    /// <summary>The test labels file name (without <c>.gz</c>).</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The standard split from <paramref name="directory"/>: train = <c>train-images-idx3-ubyte</c> +
    /// <c>train-labels-idx1-ubyte</c> (60,000 samples), test = <c>t10k-images-idx3-ubyte</c> +
    /// <c>t10k-labels-idx1-ubyte</c> (10,000), each optionally <c>.gz</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message lists the names tried).</exception>
    /// <exception cref="IdxFormatException">A file is malformed, or images and labels do not match.</exception>
    public static (TensorDataset Train, TensorDataset Test) Load(string directory) =>
        (LoadFiles(Locate(directory, TrainImagesFile), Locate(directory, TrainLabelsFile)),
         LoadFiles(Locate(directory, TestImagesFile), Locate(directory, TestLabelsFile)));

    /// <summary>
    /// The default split when only the test set is available (as in this repository's <c>data/fashion-mnist</c>):
    /// reads <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c> (each optionally <c>.gz</c>) from
    /// <paramref name="directory"/>; train = the first <see cref="DefaultTrainCount"/> (8,000) samples, test = the
    /// rest (2,000). Both are views of the same tensors.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message lists the names tried).</exception>
    /// <exception cref="IdxFormatException">A file is malformed, or images and labels do not match.</exception>
    public static (TensorDataset Train, TensorDataset Test) LoadDefault(string directory)
    {
        var images = Locate(directory, TestImagesFile);
        var all = LoadFiles(images, Locate(directory, TestLabelsFile));
        if (all.Count <= DefaultTrainCount)
            throw new IdxFormatException(images, $"the default split needs more than {DefaultTrainCount} samples, the file has {all.Count}.");
        return (all.Slice(0, DefaultTrainCount), all.Slice(DefaultTrainCount, all.Count - DefaultTrainCount));
    }

    /// <summary>
    /// One dataset from an images file ([N, 28, 28] unsigned bytes) and a labels file ([N] unsigned bytes in 0..9):
    /// inputs [N, 784] Float32 in [0, 1], targets [N] Int64.
    /// </summary>
    /// <exception cref="IdxFormatException">A file is malformed, or images and labels do not match.</exception>
    public static TensorDataset LoadFiles(string imagesPath, string labelsPath)
    {
        var raw = Idx.ReadRaw(imagesPath, Idx.Product.Float32);
        var dims = raw.Shape;
        if (raw.ElementType != IdxElementType.UByte || dims.Rank != 3 || dims[1] != ImageSize || dims[2] != ImageSize)
            throw new IdxFormatException(imagesPath,
                $"expected Fashion-MNIST images: unsigned bytes of shape [N, {ImageSize}, {ImageSize}]; found {raw.ElementType} {dims}.");
        var labels = Idx.ReadLabels(labelsPath);
        if (labels.Rank != 1 || labels.Shape[0] != dims[0])
            throw new IdxFormatException(labelsPath,
                $"expected {dims[0]} labels (shape [{dims[0]}]) to match the images in '{imagesPath}'; found shape {labels.Shape}.");
        var values = labels.ContiguousSpan<long>();
        for (int i = 0; i < values.Length; i++)
            if ((ulong)values[i] >= (ulong)Classes.Count)
                throw new IdxFormatException(labelsPath, $"label {i} is {values[i]}; Fashion-MNIST labels are 0..{Classes.Count - 1}.");
        var images = raw.ToFloat32(255f);
        return new TensorDataset(images.AsShape([dims[0], Features]), labels);
    }

    /// <summary>
    /// The nearest <c>data/fashion-mnist</c> directory holding the test files, searching <paramref name="startDirectory"/>
    /// (default: <see cref="AppContext.BaseDirectory"/>) and its parents; null when there is none.
    /// </summary>
    public static string? FindDataDirectory(string? startDirectory = null)
    {
        for (var dir = new DirectoryInfo(startDirectory ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "fashion-mnist");
            if (TryLocate(candidate, TestImagesFile) is not null && TryLocate(candidate, TestLabelsFile) is not null) return candidate;
        }
        return null;
    }

    private static string? TryLocate(string directory, string name)
    {
        var plain = Path.Combine(directory, name);
        if (File.Exists(plain)) return plain;
        return File.Exists(plain + ".gz") ? plain + ".gz" : null;
    }

    private static string Locate(string directory, string name)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return TryLocate(directory, name) ?? throw new FileNotFoundException(
            $"Fashion-MNIST file not found: tried '{Path.Combine(directory, name)}' and '{Path.Combine(directory, name + ".gz")}'.",
            Path.Combine(directory, name + ".gz"));
    }
}
