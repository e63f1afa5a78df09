/// The F#-side rows of the op table (tests/OpCases/OpTable.cs): ops defined outside Functional.Core with the public
/// Function API (no InternalsVisibleTo reaches this assembly). The program generators (Generators.fs) draw them next to
/// the table's own rows, so every autograd law also runs over programs that contain a custom op.
module Functional.Dsl.Tests.CustomOps

open System
open Functional
open Functional.OpCases

/// softsign x / (1 + |x|), PyTorch's F.softsign, as a custom Function (the library also has it built in, as one
/// declaration: Tensor.Softsign).
type Softsign() =
    inherit Function("SoftsignBackward0")
    override _.Forward(ctx, inputs) =
        ctx.Save("x", inputs.[0])
        inputs.[0] / (1f + inputs.[0].Abs())
    override _.Backward(ctx, grad) =
        let d = 1f + ctx.["x"].Abs()
        [| grad / (d * d) |]

let softsign (x: Tensor) = Softsign().Apply(x)

/// The custom softsign as a row. It is smooth on ℝ (its first derivative 1/(1+|x|)² is continuous at 0, so central
/// differences judge it there) and bounded, so the generators need no total-domain transform.
let softsignRow =
    UnaryCase("softsign via Function", UnaryGroup.Pointwise, [| UnaryForm("Function.Apply", Func<Tensor, Tensor> softsign) |],
              "SoftsignBackward0", Domain.Real, "softsignFn({0})", specialPoints = [| SpecialPoint.Smooth 0.0; SpecialPoint.Smooth -2.0 |])

/// Every F#-side row.
let rows: UnaryCase list = [ softsignRow ]
