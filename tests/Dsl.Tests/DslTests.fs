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
