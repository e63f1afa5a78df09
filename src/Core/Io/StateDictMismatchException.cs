namespace Functional.Io;

/// <summary>
/// A state dict does not fit the tensors it was to be loaded into. The message lists every difference at once, in
/// PyTorch's wording (<c>Error(s) in loading state_dict: Missing key(s) ... Unexpected key(s) ... size mismatch for
/// ...</c>); the properties give them one by one.
/// </summary>
public sealed class StateDictMismatchException : ArgumentException
{
    /// <summary>Creates the exception from the lists of differences.</summary>
    public StateDictMismatchException(string message, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys,
                                      IReadOnlyList<string> mismatches, IReadOnlyList<string> mismatchedKeys) : base(message)
    {
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Mismatches = mismatches;
        MismatchedKeys = mismatchedKeys;
    }

    /// <summary>Names the target has and the source lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Names the source has and the target lacks.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>One line per name present in both whose shape or dtype differs.</summary>
    public IReadOnlyList<string> Mismatches { get; }

    /// <summary>The names present in both whose shape or dtype differs.</summary>
    public IReadOnlyList<string> MismatchedKeys { get; }
}
