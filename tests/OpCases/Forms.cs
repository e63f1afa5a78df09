namespace Functional.OpCases;

/// <summary>One public entry point of a one-operand op: the Tensor member it calls (as reflection names it, e.g.
/// <c>op_UnaryNegation</c>, <c>Relu_</c>) and a call of it.</summary>
public sealed record UnaryForm(string Member, Func<Tensor, Tensor> Apply);

/// <summary>One public entry point of a two-operand op (<c>op_Addition</c>, <c>Add</c>, <c>Add_</c>, ...).</summary>
public sealed record BinaryForm(string Member, Func<Tensor, Tensor, Tensor> Apply);
