namespace Functional.Io;

/// <summary>
/// A safetensors file is malformed: a header length the file cannot hold, JSON that does not parse or does not
/// describe tensors, an unknown dtype, offsets out of range or overlapping, or a byte length that does not match
/// its shape. The message names the file and the problem.
/// </summary>
public sealed class SafetensorsFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="path"/> with a description of the <paramref name="problem"/>.</summary>
    public SafetensorsFormatException(string path, string problem, Exception? inner = null)
        : base($"Invalid safetensors file '{path}': {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or buffer name) that was being read.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
