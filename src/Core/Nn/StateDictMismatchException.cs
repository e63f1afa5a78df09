namespace Functional.Nn;

/// <summary>
/// <see cref="Module.LoadStateDict"/> was given a state dict that does not fit the module: keys missing or unexpected,
/// or tensors of another shape or dtype. PyTorch raises <c>RuntimeError: Error(s) in loading state_dict for ...</c>.
/// Nothing was copied.
/// </summary>
public sealed class StateDictMismatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public StateDictMismatchException(string message, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys,
                                      IReadOnlyList<string> mismatchedKeys) : base(message)
    {
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        MismatchedKeys = mismatchedKeys;
    }

    /// <summary>The module's parameter names the state dict lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>The state dict's keys that name no parameter of the module.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>The keys present on both sides whose tensors differ in shape or dtype.</summary>
    public IReadOnlyList<string> MismatchedKeys { get; }
}
