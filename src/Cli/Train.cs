using System.Diagnostics;
using System.Globalization;
using Functional.Data;
using Functional.Io;
using Functional.Nn;
using Functional.Optim;
using Spectre.Console;

namespace Functional.Cli;

/// <summary>The <c>train</c> command's settings.</summary>
/// <param name="Epochs">Epochs to train (counted from the start, so a resumed run stops at the same epoch).</param>
/// <param name="Batch">Mini-batch size.</param>
/// <param name="Lr">Adam's learning rate.</param>
/// <param name="DataDir">A folder with Fashion-MNIST's files: the full set (train-* and t10k-*), or only the 10k test files,
/// which are split (first 8,000 to train, last 2,000 to evaluate). Null: /usr/share/datasets/fashion-mnist when it holds the
/// full set, else the test files shipped in data/fashion-mnist.</param>
/// <param name="Seed">Seeds the initial weights and each epoch's shuffle.</param>
/// <param name="Save">A safetensors checkpoint written (atomically) after every epoch, or null.</param>
/// <param name="Resume">A checkpoint to continue from, or null.</param>
/// <param name="Curve">Where to write the loss curve (SVG), or null (or empty) for none.</param>
/// <param name="TrainLimit">Use only the first this-many training samples (for quick runs and tests), or null for all.</param>
/// <param name="RawPixels">Feed the pixels in [0, 1] as they are (PyTorch's quickstart: <c>ToTensor()</c> alone) instead of
/// standardizing them with <see cref="Train.PixelMean"/> and <see cref="Train.PixelStd"/>.</param>
public sealed record TrainOptions(int Epochs = 5, int Batch = 64, float Lr = 1e-3f, string? DataDir = null, int Seed = 0,
                                  string? Save = null, string? Resume = null, string? Curve = "out/loss.svg", int? TrainLimit = null,
                                  bool RawPixels = false);

/// <summary>One finished epoch.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double TestAccuracy, TimeSpan Time, double SamplesPerSecond);

/// <summary>
/// Trains the seed network (784→512→512→10 with ReLU, cross-entropy, Adam) on Fashion-MNIST. Deterministic for a seed,
/// and the same random stream as PyTorch's reference script (bench/torch_train.py): one <c>Generator(seed)</c>
/// (<c>torch.manual_seed(seed)</c>) gives the initial weights and then one permutation per epoch
/// (<c>torch.randperm</c>), so the run starts from PyTorch's weights and sees PyTorch's batch order. A run resumed from
/// the checkpoint of epoch e replays the generator past e permutations and reaches the same weights, bit for bit, as an
/// uninterrupted one.
/// </summary>
public static class Train
{
    private const string Format = "functional-train-v1";

    /// <summary>The mean pixel of Fashion-MNIST's 60,000 training images, each byte / 255 (0.28604, rounded as the
    /// <c>transforms.Normalize((0.2860,), (0.3530,))</c> PyTorch users write). <c>train</c> feeds the network
    /// <c>(pixel - PixelMean) / PixelStd</c> unless <see cref="TrainOptions.RawPixels"/> is set.</summary>
    public const float PixelMean = 0.2860f;

    /// <summary>The standard deviation of the same pixels (0.35302); see <see cref="PixelMean"/>.</summary>
    public const float PixelStd = 0.3530f;

    /// <summary>The standardization as text, <c>(x - 0.2860) / 0.3530</c>, for the log and the command's help.</summary>
    public static string Standardization { get; } =
        string.Create(CultureInfo.InvariantCulture, $"(x - {PixelMean:F4}) / {PixelStd:F4}");

    /// <summary>The seed network with PyTorch's default initialisation from <paramref name="gen"/>.</summary>
    public static Sequential Network(Generator gen) => new(
        new Linear(FashionMnist.Features, 512, gen: gen), new ReLU(),
        new Linear(512, 512, gen: gen), new ReLU(),
        new Linear(512, 10, gen: gen));

    /// <summary>The data the options select, and a line saying which it is.</summary>
    public static (TensorDataset Train, TensorDataset Test, string Description) LoadData(TrainOptions o)
    {
        const string debian = "/usr/share/datasets/fashion-mnist";
        var dir = o.DataDir
            ?? (HasTrainingFiles(debian) ? debian : FashionMnist.FindDataDirectory())
            ?? throw new DirectoryNotFoundException("The default data (data/fashion-mnist) was not found above " + AppContext.BaseDirectory + "; pass --data DIR.");
        TensorDataset train, test;
        string description;
        if (HasTrainingFiles(dir))
        {
            (train, test) = FashionMnist.Load(dir);
            description = $"Fashion-MNIST from {dir}: {train.Count} training and {test.Count} test images";
        }
        else
        {
            (train, test) = FashionMnist.LoadDefault(dir);
            description = $"Fashion-MNIST's 10k test set from {dir}, split: {train.Count} to train, {test.Count} to evaluate";
        }
        if (o.TrainLimit is int n && n < train.Count) train = train.Slice(0, n);
        if (!o.RawPixels)
        {
            (train, test) = (Standardized(train), Standardized(test));
            description += $", pixels standardized ({Standardization})";
        }
        return (train, test, description);
    }

    // (x - mean) / std elementwise in Float32: a subtraction, then a true division (not a multiplication by 1 / std),
    // as transforms.Normalize computes it.
    private static TensorDataset Standardized(TensorDataset d) => new((d.Inputs - PixelMean) / PixelStd, d.Targets);

    private static bool HasTrainingFiles(string dir) =>
        File.Exists(Path.Combine(dir, FashionMnist.TrainImagesFile)) || File.Exists(Path.Combine(dir, FashionMnist.TrainImagesFile + ".gz"));

    /// <summary>Trains as <paramref name="o"/> says, writing progress to <paramref name="log"/>; returns the model and each epoch's result.</summary>
    public static (Sequential Model, List<EpochResult> Epochs) Run(TrainOptions o, TextWriter log, bool liveProgress = false)
    {
        if (o.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {o.Epochs}.");
        if (o.Batch < 1) throw new ArgumentException($"--batch must be at least 1, got {o.Batch}.");
        if (!(o.Lr > 0) || !float.IsFinite(o.Lr)) throw new ArgumentException($"--lr must be a positive number, got {o.Lr}.");
        if (o.Save is "") throw new ArgumentException("--save needs a file path.");
        if (o.Resume is not null && !File.Exists(o.Resume)) throw new FileNotFoundException($"--resume: no checkpoint at {o.Resume}.", o.Resume);
        if (o.Save is not null) CheckWritable(o.Save, "--save", replacedByRename: true);
        if (!string.IsNullOrEmpty(o.Curve)) CheckWritable(o.Curve, "--curve", replacedByRename: false);
        var (train, test, description) = LoadData(o);
        log.WriteLine(description);
        var gen = new Generator(o.Seed);
        var model = Network(gen);
        var optimizer = new Adam(model.Parameters(), lr: o.Lr);
        var lossFn = new CrossEntropyLoss();
        int start = 0;
        if (o.Resume is not null)
        {
            start = LoadCheckpoint(o.Resume, model, optimizer, o, DataIdentity(train, test));
            log.WriteLine(start >= o.Epochs
                ? $"{o.Resume} already holds {start} epochs (--epochs {o.Epochs}): nothing to train."
                : $"Resumed from {o.Resume} after epoch {start}.");
            for (int e = 0; e < Math.Min(start, o.Epochs); e++) Tensor.Randperm(train.Count, gen);   // the shuffles of the epochs done
        }

        var losses = new List<double>();
        var results = new List<EpochResult>();
        for (int epoch = start; epoch < o.Epochs; epoch++)
        {
            var loader = new DataLoader(train, o.Batch, shuffle: true, gen: gen);
            var watch = Stopwatch.StartNew();
            double sum = 0;
            int seen = 0;
            void Step((Tensor Input, Tensor Target) batch)
            {
                var loss = lossFn.Forward(model.Forward(batch.Input), batch.Target);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                double l = loss.ItemDouble();
                int n = batch.Input.Shape[0];
                losses.Add(l);
                sum += l * n;
                seen += n;
            }
            model.Train();
            if (liveProgress)
                AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"epoch {epoch + 1}/{o.Epochs}", maxValue: loader.Count);
                        foreach (var batch in loader)
                        {
                            Step(batch);
                            task.Description = $"epoch {epoch + 1}/{o.Epochs}  loss {losses[^1]:F4}  {seen / watch.Elapsed.TotalSeconds:F0} samples/s";
                            task.Increment(1);
                        }
                    });
            else
                foreach (var batch in loader) Step(batch);
            watch.Stop();

            double accuracy = Evaluate(model, test);
            var result = new EpochResult(epoch + 1, sum / seen, accuracy, watch.Elapsed, seen / watch.Elapsed.TotalSeconds);
            results.Add(result);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {result.Epoch}/{o.Epochs}  train loss {result.TrainLoss:F4}  test accuracy {result.TestAccuracy * 100:F2}%  " +
                $"time {result.Time.TotalSeconds:F2}s  ({result.SamplesPerSecond:F0} samples/s)"));
            if (o.Save is not null) SaveCheckpoint(o.Save, model, optimizer, epoch + 1, o, DataIdentity(train, test));
        }

        if (!string.IsNullOrEmpty(o.Curve) && losses.Count > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.Curve))!);
            File.WriteAllText(o.Curve, LossCurve.Svg(losses, new DataLoader(train, o.Batch).Count,
                start == 0 ? "training loss per step" : $"training loss per step, resumed after epoch {start}", firstEpoch: start + 1));
            log.WriteLine($"Loss curve written to {o.Curve}");
        }
        return (model, results);
    }

    /// <summary>
    /// Refuses, before any training, a target that could not be written after it: a directory, a folder that cannot be
    /// created (a file is in the way), or one that takes no new files. A checkpoint is written to a temporary file beside
    /// the target and renamed over it, so only the folder must be writable; the curve is written in place, so an existing
    /// curve file must be writable too. Errors name the user's path, not a temporary or probe file. The folder is created
    /// here, as it would be after the first epoch.
    /// </summary>
    private static void CheckWritable(string path, string option, bool replacedByRename)
    {
        var full = Path.GetFullPath(path);
        IOException Refused(string why, Exception? inner = null) =>
            new($"{option}: cannot write '{path}': {why}. Choose a file path in a folder you can write to.", inner);
        if (Directory.Exists(full)) throw Refused("it is a directory");
        var dir = Path.GetDirectoryName(full) ?? throw Refused("it has no directory");
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused($"its directory '{dir}' cannot be created ({e.Message.TrimEnd('.')})", e);
        }
        var probe = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.probe");
        bool inPlace = !replacedByRename && File.Exists(full);
        try
        {
            if (inPlace)
                using (new FileStream(full, FileMode.Open, FileAccess.Write)) { }   // opens without truncating
            else
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused(e is not UnauthorizedAccessException ? e.Message.Replace(probe, full).TrimEnd('.')
                          : inPlace ? "permission denied" : $"permission denied in '{dir}'", e);
        }
    }

    /// <summary>The fraction of <paramref name="data"/> the model classifies correctly (in Eval mode, without grad).</summary>
    public static double Evaluate(Module model, TensorDataset data)
    {
        bool training = model.Training;
        model.Eval();
        long correct = 0;
        using (Autograd.NoGrad())
            foreach (var (x, y) in new DataLoader(data, 1000))
            {
                var predicted = model.Forward(x).ArgMax(1).ToInt64Array();
                var targets = y.ToInt64Array();
                for (int i = 0; i < targets.Length; i++) if (predicted[i] == targets[i]) correct++;
            }
        model.Train(training);
        return (double)correct / data.Count;
    }

    private static string DataIdentity(TensorDataset train, TensorDataset test) =>
        string.Create(CultureInfo.InvariantCulture, $"{train.Count} training and {test.Count} test images");

    // What a checkpoint must agree on with the run that resumes it, so that resuming is bit-identical.
    private static Dictionary<string, string> Settings(TrainOptions o, string data) => new()
    {
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        ["batch"] = o.Batch.ToString(CultureInfo.InvariantCulture),
        ["lr"] = o.Lr.ToString("R", CultureInfo.InvariantCulture),
        ["data"] = data,
        ["pixels"] = o.RawPixels ? "raw" : "standardized",
    };

    private static void SaveCheckpoint(string path, Module model, Optimizer optimizer, int epochsDone, TrainOptions o, string data)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, v) in model.StateDict()) tensors["model." + k] = v;
        foreach (var (k, v) in optimizer.StateDict()) tensors["optim." + k] = v;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var meta = Settings(o, data);
        meta["format"] = Format;
        meta["epochs_done"] = epochsDone.ToString(CultureInfo.InvariantCulture);
        Safetensors.Save(tensors, path, meta);
    }

    private static int LoadCheckpoint(string path, Module model, Optimizer optimizer, TrainOptions o, string data)
    {
        var tensors = Safetensors.Load(path, out var meta);
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path} is not a checkpoint written by `train` (metadata format '{format}', expected '{Format}').");
        foreach (var (key, expected) in Settings(o, data))
            if (meta.GetValueOrDefault(key) != expected)
                throw new InvalidDataException($"{path} was written with {key} '{meta.GetValueOrDefault(key)}', but this run has '{expected}'; resume with the same settings.");
        if (!meta.TryGetValue("epochs_done", out var done) || !int.TryParse(done, NumberStyles.None, CultureInfo.InvariantCulture, out int epochsDone))
            throw new InvalidDataException($"{path} has no valid epochs_done in its metadata.");
        var optimState = tensors.Where(t => t.Key.StartsWith("optim.", StringComparison.Ordinal)).ToDictionary(t => t.Key["optim.".Length..], t => t.Value);
        if (optimState.Count == 0 && epochsDone > 0)
            throw new InvalidDataException($"{path} holds no optimizer state; resuming would restart Adam's moments and not match an uninterrupted run.");
        model.LoadStateDict(tensors.Where(t => t.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(t => t.Key["model.".Length..], t => t.Value));
        optimizer.LoadStateDict(optimState);
        return epochsDone;
    }
}
