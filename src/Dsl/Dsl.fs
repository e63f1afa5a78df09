namespace Functional.Dsl

open System
open Functional

/// Tensor construction, elementwise and reduction functions, and operators for F# pipelines:
/// `x |> linear w b |> relu |> stopGradient`. Opening `Functional.Dsl` brings these into scope; they shadow
/// F#'s own `exp`, `log`, `tanh` and `sum` (use `Operators.exp` for floats).
[<AutoOpen>]
module Tensors =
    /// A 1-D Float32 tensor (`torch.tensor([...])`).
    let tensor (values: float32 list) : Tensor = Tensor.From(List.toArray values)

    /// A 2-D Float32 tensor from rows of equal length.
    let tensor2 (rows: float32 list list) : Tensor = Tensor.From(array2D rows)

    /// A new leaf with the same storage that requires grad (`x.detach().requires_grad_()`).
    let requiresGrad (t: Tensor) : Tensor = t.Detach(callerFile = "", callerLine = 0, callerMember = "requiresGrad").RequiresGrad_(true, "", 0, "requiresGrad")

    /// Cuts the graph: a leaf sharing the storage and version counter, with no history (`x.detach()`, JAX's `stop_gradient`).
    let stopGradient (t: Tensor) : Tensor = t.StopGradient(callerFile = "", callerLine = 0, callerMember = "stopGradient")

    /// Elementwise logistic sigmoid.
    let sigmoid (t: Tensor) = t.Sigmoid(callerFile = "", callerLine = 0, callerMember = "sigmoid")
    /// Elementwise max(x, 0).
    let relu (t: Tensor) = t.Relu(callerFile = "", callerLine = 0, callerMember = "relu")
    /// Elementwise hyperbolic tangent.
    let tanh (t: Tensor) = t.Tanh(callerFile = "", callerLine = 0, callerMember = "tanh")
    /// Elementwise e^x.
    let exp (t: Tensor) = t.Exp(callerFile = "", callerLine = 0, callerMember = "exp")
    /// Elementwise natural logarithm.
    let log (t: Tensor) = t.Log(callerFile = "", callerLine = 0, callerMember = "log")
    /// The sum of all elements (a 0-d tensor).
    let sum (t: Tensor) = t.Sum()
    /// The mean of all elements (a 0-d tensor).
    let mean (t: Tensor) = t.Mean()
    /// Softmax along `dim`.
    let softmax (dim: int) (t: Tensor) = t.Softmax dim
    /// Log-softmax along `dim`.
    let logSoftmax (dim: int) (t: Tensor) = t.LogSoftmax dim
    /// Cross-entropy of logits against Int64 class indices (mean reduction).
    let crossEntropy (target: Tensor) (logits: Tensor) = logits.CrossEntropy target

    /// The matrix product with `torch.matmul`'s rules.
    let matmul (a: Tensor) (b: Tensor) = a.MatMul(b, "", 0, "matmul")

    /// The matrix product: `a *@ b` (Python's `a @ b`). It starts with `*`, so F# gives it the precedence and left
    /// associativity of `*`, as Python gives `@`: `x *@ w + b` is `(x *@ w) + b`. (An operator starting with `@` would
    /// bind more loosely than `+`.) As a function, write it with spaces: `( *@ )`, since `(*` opens a comment.
    let ( *@ ) (a: Tensor) (b: Tensor) = a.MatMul(b, "", 0, "*@")

    /// `x @ w.T + b`, for pipelines: `x |> linear w b`.
    let linear (w: Tensor) (b: Tensor) (x: Tensor) = Tensor.Linear(x, w, b, "", 0, "linear")

    /// Runs `f` with recording turned off on this thread (`with torch.no_grad():`).
    let noGrad (f: unit -> 'a) : 'a =
        use _ = Autograd.NoGrad(callerFile = "", callerLine = 0, callerMember = "noGrad")
        f ()

/// The pure differentiation transforms. None reads or writes any leaf's `Grad`, and they nest: a transform
/// inside another differentiates with respect to its own copy of its argument, so
/// `grad (fun x -> x * grad (fun y -> x * y) x) x0` is `2 * x0` (no perturbation confusion).
[<AutoOpen>]
module Transforms =
    // How many transforms are running on this thread. The outermost one returns plain values (detached);
    // inner ones return values that keep their graph, so the transform around them can differentiate them.
    type private Depth() =
        [<ThreadStatic; DefaultValue>]
        static val mutable private value: int
        static member Current = Depth.value
        static member Enter() = Depth.value <- Depth.value + 1
        static member Exit() = Depth.value <- Depth.value - 1

    let private nested (f: unit -> 'r) : 'r =
        Depth.Enter()
        try f () finally Depth.Exit()

    let private finish (t: Tensor) = if Depth.Current = 0 then t.Detach(callerFile = "", callerLine = 0, callerMember = "grad") else t

    // The variable a transform differentiates with respect to: a fresh leaf, or, when the argument is itself
    // being differentiated by an outer transform, an identity node on it (so the outer graph stays connected and
    // only paths through this argument count as this transform's derivative).
    let private lift (x: Tensor) = if x.RequiresGrad then x.Clone() else x.Detach("", 0, "grad").RequiresGrad_(true, "", 0, "grad")

    let private gradOf (outputs: Tensor) (input: Tensor) (seed: Tensor option) (createGraph: bool) (retainGraph: bool) =
        if not outputs.RequiresGrad then Tensor.ZerosLike input
        else
            let seeds: Tensor array | null = match seed with Some u -> [| u |] | None -> null
            match Autograd.Grad([| outputs |], [| input |], seeds, retainGraph, createGraph, true, "", 0, "grad").[0] with
            | null -> Tensor.ZerosLike input
            | g -> g

    /// The value and the gradient of a scalar-valued `f` at `x` (`jax.value_and_grad`).
    let valueAndGrad (f: Tensor -> Tensor) (x: Tensor) : Tensor * Tensor =
        use _ = Autograd.EnableGrad()
        let createGraph = Depth.Current > 0
        let y, g =
            nested (fun () ->
                let xl = lift x
                let y = f xl
                if y.NumElements <> 1 then
                    invalidArg "f" $"grad needs a function with a one-element output; f returned {y.Describe()}. Use vjp for other outputs."
                y, gradOf y xl None createGraph false)
        finish y, finish g

    /// The gradient of a scalar-valued `f` at `x` (`jax.grad`).
    let grad (f: Tensor -> Tensor) (x: Tensor) : Tensor = snd (valueAndGrad f x)

    /// `f x` and its pullback `u -> Jᵀu` (`jax.vjp`). The pullback can be called any number of times.
    let vjp (f: Tensor -> Tensor) (x: Tensor) : Tensor * (Tensor -> Tensor) =
        use _ = Autograd.EnableGrad()
        let xl, y = nested (fun () -> let xl = lift x in xl, f xl)
        let pullback (u: Tensor) =
            use _ = Autograd.EnableGrad()
            finish (gradOf y xl (Some u) (Depth.Current > 0 || u.RequiresGrad) true)
        finish y, pullback

    /// `f x` and the Jacobian-vector product `J v` (`jax.jvp`), computed exactly by reverse-over-reverse:
    /// `J v = d/du <Jᵀu, v>`, as `Jᵀu` is linear in `u`.
    let jvp (f: Tensor -> Tensor) (x: Tensor) (v: Tensor) : Tensor * Tensor =
        use _ = Autograd.EnableGrad()
        let createGraph = Depth.Current > 0
        let y, jv =
            nested (fun () ->
                let xl = lift x
                let y = f xl
                if not y.RequiresGrad then y, Tensor.ZerosLike y
                else
                    let u = Tensor.ZerosLike(y).RequiresGrad_(true, "", 0, "jvp")
                    let jtu = gradOf y xl (Some u) true true
                    let inner = (jtu * v).Sum()
                    y, gradOf inner u None createGraph false)
        finish y, finish jv

/// Explicit, tracked in-place writes: each bumps the version counter shared by every view and `stopGradient`
/// alias, and returns the handle to use from now on. F# functions cannot take caller info, so diagnostics name these
/// writes by function (`Mutable.zero (line unknown)`); call the methods (`t.Zero_()`) to get your own file:line.
module Mutable =
    /// Fills with zeros (`t.zero_()`).
    let zero (t: Tensor) : Tensor = t.Zero_(callerFile = "", callerLine = 0, callerMember = "Mutable.zero")
    /// Fills with `value` (`t.fill_(value)`).
    let fill (value: float32) (t: Tensor) : Tensor = t.Fill_(value, "", 0, "Mutable.fill")
    /// Adds `other` in place (`t.add_(other)`).
    let add (other: Tensor) (t: Tensor) : Tensor = t.Add_(other, 1f, "", 0, "Mutable.add")
    /// Copies `src` into `t` (`t.copy_(src)`).
    let copy (src: Tensor) (t: Tensor) : Tensor = t.Copy_(src, "", 0, "Mutable.copy")

/// The untracked escape hatch.
module Unsafe =
    /// An alias with its own version counter (`t.data`): writes through it are invisible to autograd and can
    /// silently give wrong gradients.
    let data (t: Tensor) : Tensor = t.Data
