namespace Functional.Data;

/// <summary>
/// An IDX file (the MNIST format) is malformed: truncated, wrong magic, unknown element type, bad rank, dimensions the
/// file cannot hold or that would take more than <see cref="Idx.MaxDataBytes"/>, or, for a gzipped file, a gzip member
/// that is truncated, corrupt (CRC32, length, deflate data) or followed by other bytes. The message names the file and
/// what is wrong with it.
/// </summary>
public sealed class IdxFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="path"/> with a description of the <paramref name="problem"/>.</summary>
    public IdxFormatException(string path, string problem, Exception? inner = null)
        : base($"Invalid IDX file '{path}': {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that was being read.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
