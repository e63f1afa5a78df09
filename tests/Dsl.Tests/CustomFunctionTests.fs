/// A differentiable op defined outside Functional.Core with the public Function API (no InternalsVisibleTo reaches
/// this assembly): softsign x / (1 + |x|), PyTorch's F.softsign (CustomOps.fs, where it is also a row the law
/// generators draw). Its gradient is checked against central finite differences, at fixed points and as an FsCheck
/// law over random inputs, composed with built-in ops.
module Functional.Dsl.Tests.CustomFunctionTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open Functional
open Functional.Dsl.Tests.CustomOps

let private nn (v: 'T | null) : 'T = match v with null -> failwith "unexpected null" | v -> v

/// loss(x) = sum(w * tanh(softsign(x) * 3)): the custom op between built-in ones.
let private loss (w: float[]) (x: Tensor) =
    ((softsign x * 3f).Tanh() * Tensor.From(w)).Sum()

let private gradcheck (xs: float[]) (w: float[]) =
    let x = Tensor.From(xs, requiresGrad = true)
    let g = (nn (Autograd.Grad([| loss w x |], [| x |])).[0]).ToDoubleArray()
    let h = 1e-6
    for k in 0 .. xs.Length - 1 do
        let at d =
            let v = Array.copy xs
            v.[k] <- v.[k] + d
            (loss w (Tensor.From v)).ItemDouble()
        let fd = (at h - at -h) / (2.0 * h)
        if abs (fd - g.[k]) > 1e-6 + 1e-5 * abs fd then
            failwithf "d loss / d x[%d] at %g: autograd %.10g, finite differences %.10g" k xs.[k] g.[k] fd

[<Fact>]
let ``a custom op from another assembly records its node and gives the hand-derived gradient`` () =
    // Hand derivation (and PyTorch 1.13's F.softsign): d/dx x/(1+|x|) = 1/(1+|x|)^2.
    let x = Tensor.From([| -2.0; 0.0; 3.0 |], requiresGrad = true)
    let y = softsign x
    Assert.Equal("SoftsignBackward0", (nn y.GradFn).Name)
    y.Sum().Backward()
    Assert.Equal<float[]>([| 1.0 / 9.0; 1.0; 1.0 / 16.0 |], (nn x.Grad).ToDoubleArray())

[<Fact>]
let ``a custom op from another assembly passes gradcheck at fixed points`` () =
    gradcheck [| -2.5; -0.3; 0.2; 1.1; 4.0 |] [| 1.0; -2.0; 0.5; 3.0; -1.0 |]

[<Fact>]
let ``law: a custom op's gradient matches finite differences`` () =
    // Inputs away from 0, where |x| has its kink and central differences straddle it.
    let point = Gen.choose (20, 300) |> Gen.map (fun k -> float k / 100.0) |> Gen.zip (Gen.elements [ -1.0; 1.0 ]) |> Gen.map (fun (s, v) -> s * v)
    let arb =
        gen {
            let! n = Gen.choose (1, 6)
            let! xs = Gen.arrayOfLength n point
            let! w = Gen.arrayOfLength n (Gen.choose (-200, 200) |> Gen.map (fun k -> float k / 100.0))
            return xs, w
        } |> Arb.fromGen
    Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true), Prop.forAll arb (fun (xs, w) -> gradcheck xs w))

[<Fact>]
let ``every F#-side row of the op table records its grad_fn and matches finite differences at its special points`` () =
    // The C# tests check the table's own rows (GradCheckTests.SpecialPoints); these rows live in this assembly.
    for row in CustomOps.rows do
        let x = Tensor.From([| 0.5; -1.0 |], requiresGrad = true)
        Assert.Equal(row.GradFn, (nn (row.Apply.Invoke x).GradFn).Name)
        for p in row.SpecialPoints do
            let at (v: float) = (row.Apply.Invoke(Tensor.Scalar v)).ItemDouble()
            let x = Tensor.Scalar(p.At.[0], requiresGrad = true)
            let y = row.Apply.Invoke x
            let g = (nn (Autograd.Grad([| y |], [| x |])).[0]).ItemDouble()
            if p.IsSmooth then
                let h = 1e-6
                let fd = (at (p.At.[0] + h) - at (p.At.[0] - h)) / (2.0 * h)
                Assert.True(abs (fd - g) <= 1e-7 + 1e-5 * abs fd, $"{row.Name} at {p}: autograd {g}, finite differences {fd}")
            else
                // the row's expected numbers (PyTorch's), NaN for NaN
                let same (e: float) (a: float) = (Double.IsNaN e && Double.IsNaN a) || e = a || abs (e - a) <= 1e-12 * max 1.0 (abs e)
                Assert.True(same p.Value.Value (y.ItemDouble()), $"{row.Name} at {p}: value {y.ItemDouble()}")
                Assert.True(same (nn p.Grads).[0] g, $"{row.Name} at {p}: gradient {g}")
