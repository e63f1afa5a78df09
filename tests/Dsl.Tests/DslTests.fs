module Functional.Dsl.Tests.DslTests

open Xunit
open Functional
open Functional.Dsl

let private close (expected: float32 list) (t: Tensor) =
    let actual = t.ToArray()
    Assert.Equal(expected.Length, actual.Length)
    List.iteri (fun i e -> Assert.InRange(actual.[i], e - 1e-4f, e + 1e-4f)) expected

[<Fact>]
let ``grad of a nested grad has no perturbation confusion`` () =
    // Hand derivation: d/dx [x * d/dy (x*y)] = d/dx [x * x] = 2x; at x = 3 -> 6.
    let g = grad (fun x -> x * grad (fun y -> x * y) x) (tensor [ 3f ])
    close [ 6f ] g

[<Fact>]
let ``grad of grad is the second derivative`` () =
    // Hand derivation: d²/dx² x³ = 6x; at x = [1, 2] -> [6, 12].
    let d2 = grad (fun x -> (grad (fun y -> (y.Pow 3f).Sum()) x).Sum()) (tensor [ 1f; 2f ])
    close [ 6f; 12f ] d2

[<Fact>]
let ``valueAndGrad of sigmoid sum matches PyTorch`` () =
    // PyTorch 1.13 (tests/Core.Tests/Reference/torch_reference.out, scenario 1): a.grad [0.1966, 0.1050, 0.0452].
    let v, g = valueAndGrad (fun a -> a |> sigmoid |> sum) (tensor [ 1f; 2f; 3f ])
    close [ 0.7311f + 0.8808f + 0.9526f ] v
    close [ 0.1966f; 0.1050f; 0.0452f ] g
    Assert.False g.RequiresGrad

[<Fact>]
let ``grad leaves the argument's accumulator and flags alone`` () =
    let x = requiresGrad (tensor [ 1f; 2f ])
    let g = grad (fun t -> (t * t) |> sum) x
    close [ 2f; 4f ] g
    Assert.Null x.Grad
    Assert.True x.IsLeaf
    Assert.Equal(0, x.Version)

[<Fact>]
let ``vjp pulls back any cotangent and can be called twice`` () =
    // Hand derivation: f(x) = x * [1, 2, 3] elementwise, so Jᵀu = u * [1, 2, 3].
    let w = tensor [ 1f; 2f; 3f ]
    let y, pullback = vjp (fun x -> x * w) (tensor [ 5f; 5f; 5f ])
    close [ 5f; 10f; 15f ] y
    close [ 1f; 2f; 3f ] (pullback (tensor [ 1f; 1f; 1f ]))
    close [ 2f; 0f; -3f ] (pullback (tensor [ 2f; 0f; -1f ]))

[<Fact>]
let ``jvp of a matrix product is the matrix times the tangent`` () =
    // Hand derivation: f(x) = A @ x is linear, so J v = A @ v.
    let a = tensor2 [ [ 1f; 2f ]; [ 3f; 4f ] ]
    let y, jv = jvp (fun x -> a *@ x) (tensor [ 1f; 1f ]) (tensor [ 1f; 0f ])
    close [ 3f; 7f ] y
    close [ 1f; 3f ] jv

[<Fact>]
let ``jvp of tanh at zero passes the tangent through`` () =
    // Hand derivation: tanh'(0) = 1; tanh'(1) = 1 - tanh(1)² = 0.4200.
    let _, jv = jvp tanh (tensor [ 0f; 1f ]) (tensor [ 2f; 1f ])
    close [ 2f; 0.4200f ] jv

[<Fact>]
let ``a pipeline reads naturally and stopGradient cuts it`` () =
    let w = requiresGrad (tensor2 [ [ 1f; -1f ]; [ 0.5f; 2f ] ])
    let b = requiresGrad (tensor [ 0f; -1f ])
    let h = tensor2 [ [ 1f; 2f ] ] |> linear w b |> relu
    Assert.Equal("ReluBackward0", (nonNull h.GradFn).Name)
    let cut = h |> stopGradient
    Assert.Null cut.GradFn
    Assert.False cut.RequiresGrad

[<Fact>]
let ``noGrad records nothing, and Mutable and Unsafe write the storage`` () =
    let x = requiresGrad (tensor [ 1f; 2f ])
    let y = noGrad (fun () -> x * 2f)
    Assert.False y.RequiresGrad
    let out = sigmoid x
    let alias = stopGradient out
    alias |> Mutable.zero |> ignore
    Assert.Equal(1, out.Version)
    Assert.Throws<VersionMismatchException>(fun () -> (sum out).Backward()) |> ignore
    let out2 = sigmoid x
    out2 |> Unsafe.data |> Mutable.fill 0.5f |> ignore
    Assert.Equal(0, out2.Version)
    (sum out2).Backward()   // silently uses the 0.5s: sigmoid'(x) read from the saved output = 0.25
    close [ 0.25f; 0.25f ] (nonNull x.Grad)

[<Fact>]
let ``F# calls to the C# methods carry the F# caller's own file and line`` () =
    // F# honours C#'s caller-info attributes: the expected line is this file's, read from __LINE__ on the same line.
    let a = Tensor.From([| 1f; 2f; 3f |], requiresGrad = true)
    let out, saved = a.Sigmoid(), int __LINE__
    let c, alias = out.Detach(), int __LINE__
    let _, written = c.Zero_(), int __LINE__
    let e = Assert.Throws<VersionMismatchException>(fun () -> out.Sum().Backward())
    Assert.Contains($"saved by Sigmoid at DslTests.fs:{saved} (version 0); modified by Zero_ through a Detach() alias created at DslTests.fs:{alias}, written at DslTests.fs:{written} (version 1)", e.Message)

[<Fact>]
let ``the DSL's functions name themselves, since let-bound F# functions cannot take caller info`` () =
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out = a |> sigmoid
    out |> stopGradient |> Mutable.zero |> ignore
    let e = Assert.Throws<VersionMismatchException>(fun () -> (out |> sum).Backward())
    Assert.Contains("saved by Sigmoid (version 0); modified by Zero_ (Mutable.zero) through a stopGradient alias (version 1).", e.Message)
    let x = tensor [ 1f; 2f ] |> requiresGrad
    let h = noGrad (fun () -> x * 2f)
    let why = Autograd.WhyNoGrad((h * (tensor [ 1f; 1f ] |> requiresGrad)) |> sum, x)
    let r = Assert.Single why.Reasons
    Assert.Equal(NoGradReasonKind.ProducedUnderNoGrad, r.Kind)
    Assert.Contains("a NoGrad scope (noGrad)", r.Text)
    let y = tensor [ 1f; 2f ] |> requiresGrad
    let cut = Autograd.WhyNoGrad(((y |> stopGradient) * (tensor [ 1f; 1f ] |> requiresGrad)) |> sum, y)
    Assert.Equal(NoGradReasonKind.Detached, (Assert.Single cut.Reasons).Kind)
    Assert.Contains("a path was cut by stopGradient (of Float32 [2] (leaf, requires grad))", (Assert.Single cut.Reasons).Text)

// PyTorch's autograd tutorial (x = torch.ones(5), z = torch.matmul(x, w) + b, BCE-with-logits against zeros(3)),
// with w and b chosen so that z = x @ w + b = [0, 1, 0] while x @ (w + b) = [0, 3, 2].
let private tutorialW () = tensor2 [ [ 1f; 0.5f; -1f ]; [ -1f; 0f; 0.5f ]; [ 0.5f; -0.5f; 0f ]; [ -0.5f; 0.5f; 0f ]; [ 0f; 0f; 0f ] ] |> requiresGrad
let private tutorialB () = tensor [ 0f; 0.5f; 0.5f ] |> requiresGrad

[<Fact>]
let ``the matrix-product operator binds tighter than + and gives PyTorch's tutorial gradients`` () =
    // x *@ w + b must be (x *@ w) + b, as Python's x @ w + b; F#'s precedence for operators starting with @ is below +.
    let x = Tensor.Ones 5
    let w, b = tutorialW (), tutorialB ()
    let z = x *@ w + b
    let wC, bC = tutorialW (), tutorialB ()
    let zC = x.MatMul(wC) + bC
    close [ 0f; 1f; 0f ] zC
    close (List.ofArray (zC.ToArray())) z
    // binary_cross_entropy_with_logits(z, zeros(3)) = mean(log(1 + e^z))
    let bceAgainstZeros (z: Tensor) = (z.Exp() + 1f).Log().Mean()
    (bceAgainstZeros z).Backward()
    (bceAgainstZeros zC).Backward()
    // Hand derivation: so dloss/dz = sigmoid(z) / 3 = [0.5, 0.7311, 0.5] / 3, which is b's
    // gradient; each row of w gets the same, since x is all ones.
    close [ 0.1667f; 0.2437f; 0.1667f ] (nonNull bC.Grad)
    close (List.ofArray ((nonNull bC.Grad).ToArray())) (nonNull b.Grad)
    close (List.ofArray ((nonNull wC.Grad).ToArray())) (nonNull w.Grad)

[<Fact>]
let ``the matrix-product operator is left-associative at the precedence of *`` () =
    // Hand derivation: [1, 2] @ [[1, 0], [0, 2]] = [1, 4]; then * 2 -> [2, 8]; then @ [[1], [1]] -> [10].
    let m = tensor2 [ [ 1f; 0f ]; [ 0f; 2f ] ]
    close [ 10f ] (tensor [ 1f; 2f ] *@ m * 2f *@ tensor2 [ [ 1f ]; [ 1f ] ])
    close [ 10f ] (List.reduce ( *@ ) [ tensor [ 1f; 2f ]; m * 2f; tensor2 [ [ 1f ]; [ 1f ] ] ])

[<Fact>]
let ``the DSL has no matrix-product operator starting with an at-sign, which would bind looser than +`` () =
    // F# compiles ( @@ ) to op_AtAt and ( *@ ) to op_MultiplyAt.
    let tensors = nonNull (System.Reflection.Assembly.Load("Functional.Dsl").GetType "Functional.Dsl.Tensors")
    let names = tensors.GetMethods() |> Array.map (fun m -> m.Name) |> set
    Assert.Contains("op_MultiplyAt", names)
    Assert.DoesNotContain("op_AtAt", names)

[<Fact>]
let ``x ** 3f is F#'s own power operator, recorded as PowBackward0`` () =
    // Hand derivation: d/dx x³ = 3x²; at x = [1, 2, -1] -> values [1, 8, -1], gradient [3, 12, 3].
    let x = tensor [ 1f; 2f; -1f ] |> requiresGrad
    let y = x ** 3f
    close [ 1f; 8f; -1f ] y
    Assert.Equal("PowBackward0", (nonNull y.GradFn).Name)
    (sum y).Backward()
    close [ 3f; 12f; 3f ] (nonNull x.Grad)
    // The same node as the instance method's, so the same gradient.
    let x2 = tensor [ 1f; 2f; -1f ] |> requiresGrad
    (x2.Pow 3f |> sum).Backward()
    close (List.ofArray ((nonNull x2.Grad).ToArray())) (nonNull x.Grad)

[<Fact>]
let ``x ** p binds tighter than *, and works under the pure transforms`` () =
    // Hand derivation: 3 * x² has derivative 6x, second derivative 6; at x = [1, 2] -> [6, 12] and [6, 6].
    close [ 6f; 12f ] (grad (fun x -> x ** 2f * 3f |> sum) (tensor [ 1f; 2f ]))
    close [ 6f; 6f ] (grad (fun x -> grad (fun y -> y ** 2f * 3f |> sum) x |> sum) (tensor [ 1f; 2f ]))
    // x ** 0 is 1 with gradient 0, x ** 0.5 is sqrt x with gradient 1 / (2 sqrt x): at x = 4 -> 1, 0; 2, 0.25.
    close [ 0f ] (grad (fun x -> x ** 0f |> sum) (tensor [ 4f ]))
    close [ 0.25f ] (grad (fun x -> x ** 0.5f |> sum) (tensor [ 4f ]))

[<Fact>]
let ``x ** e with a tensor exponent is recorded as PowBackward1, with both gradients`` () =
    // Hand derivation: d/dx x^e = e x^(e-1), d/de x^e = x^e ln x; at x = [2, 3], e = [3, 2] ->
    // values [8, 9], x's gradient [3 * 4, 2 * 3] = [12, 6], e's gradient [8 ln 2, 9 ln 3] = [5.5452, 9.8875].
    let x = tensor [ 2f; 3f ] |> requiresGrad
    let e = tensor [ 3f; 2f ] |> requiresGrad
    let y = x ** e
    close [ 8f; 9f ] y
    Assert.Equal("PowBackward1", (nonNull y.GradFn).Name)
    (sum y).Backward()
    close [ 12f; 6f ] (nonNull x.Grad)
    close [ 5.5452f; 9.8875f ] (nonNull e.Grad)
    // A broadcast 0-d exponent: d/dx x^2 = 2x -> [4, 6].
    close [ 4f; 6f ] (grad (fun x -> x ** Tensor.Scalar 2f |> sum) (tensor [ 2f; 3f ]))
