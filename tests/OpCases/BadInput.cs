namespace Functional.OpCases;

/// <summary>
/// One failing call: <paramref name="Member"/> is the public Tensor member it exercises (BadInputTests checks that
/// every public member has one), <paramref name="Exception"/> the exact type it must throw, <paramref name="Make"/>
/// its operands (fresh each time), <paramref name="Mentions"/> what the message must name. The call must leave every
/// operand as it was (BadInputTests checks values, versions, flags, grad_fn and Grad accumulators).
/// </summary>
public sealed record BadInput(string Member, string What, Type Exception, Func<Tensor[]> Make, Action<Tensor[]> Call, Func<Tensor[], string[]>? Mentions = null)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Member}: {What}";
}
