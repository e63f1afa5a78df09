#if !DOCS_TEST
#r "../src/Dsl/bin/Release/net10.0/Functional.Core.dll"
#r "../src/Dsl/bin/Release/net10.0/Functional.Dsl.dll"
#endif
// The seed scenarios 1-11 of docs/semantics.md, in F#. Each prints what PyTorch prints, and the whole output is
// the same as `dotnet run --project src/Cli -- seeds` (the C# versions in src/Cli/Seeds.cs).
// Run: dotnet build -c Release, then dotnet fsi docs/seeds.fsx

open Functional
open Functional.Dsl

/// Python's print: None for null, True/False for booleans.
let print (v: obj) =
    match v with
    | null -> printfn "None"
    | :? bool as b -> printfn "%s" (if b then "True" else "False")
    | v -> printfn "%O" v

/// How the scenarios show an exception: its type's name and message.
let error (e: exn) = $"{e.GetType().Name}: {e.Message}"

let scenario (n: int) (title: string) (body: unit -> unit) =
    printfn "## %d. %s" n title
    body ()
    printfn ""

scenario 1 "sigmoid, then backward fills the leaf's Grad" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    print a
    print a.Grad                                  // null until a backward reaches the leaf
    let out = sigmoid a
    print out
    (sum out).Backward()
    print a.Grad)

scenario 2 "Detach() shares storage and cuts the graph" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out = sigmoid a
    let c = stopGradient out                      // x.detach()
    print c
    print c.GradFn
    print c.RequiresGrad
    (sum out).Backward()                          // c was not modified: backward is unaffected
    print a.Grad
    try (sum c).Backward()                        // c has no history
    with :? NoGradFnException as e -> print (error e))

scenario 3 "a write through a Detach() alias makes backward fail" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out = sigmoid a                           // SigmoidBackward0 saves its output
    let c = stopGradient out
    Mutable.zero c |> ignore                      // tracked: bumps the version out and c share
    print c
    print out
    print $"versions: out {out.Version}, c {c.Version}"
    try (sum out).Backward()
    with :? VersionMismatchException as e -> print (error e)
    print a.Grad)                                 // a failed backward leaves accumulators as they were

scenario 4 "the same write through Data is invisible: a silently wrong gradient" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out = sigmoid a
    let c = Unsafe.data out                       // same storage, its own version counter
    Mutable.zero c |> ignore                      // invisible to autograd
    print out
    print $"versions: out {out.Version}, c {c.Version}"
    (sum out).Backward()                          // no error...
    print a.Grad)                                 // ...and a wrong gradient: sigmoid'(x) computed from the zeros

scenario 5 "SumBackward saves nothing, so writing its output is harmless" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out = a |> sigmoid |> sum                 // SumBackward0 saves nothing
    out |> stopGradient |> Mutable.zero |> ignore
    print out
    out.Backward()
    print a.Grad

    let b = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let out2 = b |> sigmoid |> sum
    out2 |> Unsafe.data |> Mutable.zero |> ignore
    out2.Backward()
    print b.Grad)

scenario 6 "detach shares storage; Detach().Clone() does not" (fun () ->
    let x = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let y = x * 2f
    let z = stopGradient y
    z[0] <- 100f                                  // a tracked write into shared storage
    print y
    print z
    let w = (stopGradient y).Clone()              // a copy: writes to it never reach y
    w[1] <- -1f
    print w
    print y)

scenario 7 "Grad lives on leaves; RetainGrad and hooks" (fun () ->
    let x2 = tensor [ 0.5f ] |> requiresGrad
    let w1 = tensor [ 2f ] |> requiresGrad
    let w2 = tensor [ 2f ] |> requiresGrad
    let y2 = x2.Pow w1
    let z2 = w2 * y2 + 1f
    z2.Backward()
    print x2.Grad
    print y2.Grad                                 // a non-leaf: null, with PyTorch's warning on Autograd.Warning
    print w1.Grad
    print w2.Grad

    let y3 = (x2.Pow w1).RetainGrad()
    using (y3.RegisterHook(fun g -> g * 2f))      // replaces the gradient flowing into y3
        (fun _ -> (w2 * y3 + 1f).Backward())
    print y3.Grad                                 // retained, after the hook
    print x2.Grad)                                // 2 + 4: accumulated over both backward calls

scenario 8 "retainGraph, accumulation and createGraph" (fun () ->
    let x = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let y = x |> sigmoid |> sum
    y.Backward()
    try y.Backward()
    with :? GraphFreedException as e -> print (error e)

    let x1 = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let y1 = x1 |> sigmoid |> sum
    y1.Backward(retainGraph = true)
    y1.Backward()
    print x1.Grad                                 // accumulated: twice one backward

    let x3 = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let dy = Autograd.Grad([| sum (x3.Pow 3f) |], [| x3 |], createGraph = true).[0]
    print dy                                      // 3x^2, itself differentiable
    (sum dy).Backward()
    print x3.Grad)                                // 6x

scenario 9 "backward from a non-scalar needs a gradient" (fun () ->
    let x = tensor [ 1f; 2f; 3f ] |> requiresGrad
    let y = x * 2f
    try y.Backward()
    with :? NonScalarBackwardException as e -> print (error e)
    y.Backward(tensor [ 1f; 0.1f; 0.01f ])
    print x.Grad)                                 // the vector-Jacobian product

scenario 10 "in-place on a leaf that requires grad" (fun () ->
    let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
    try Mutable.zero a |> ignore
    with :? LeafInPlaceException as e -> print (error e)
    noGrad (fun () -> Mutable.zero a) |> ignore   // how optimizers update parameters
    print a
    print a.Version)

scenario 11 "Detach_() does not rewire graphs already built" (fun () ->
    let x = tensor [ 1f; 1f ] |> requiresGrad
    let m = x * 3f
    let y = sum (m * 2f)
    let md = m.Detach_()                          // returns the detached handle; m is superseded
    y.Backward()                                  // the graph built before is untouched
    print x.Grad
    print md.RequiresGrad

    let x2 = tensor [ 1f; 1f ] |> requiresGrad
    let m2 = x2 * 3f
    let y2 = sum (m2 * m2)                        // MulBackward0 saves m2
    m2.Detach_() |> ignore
    y2.Backward()                                 // PyTorch 1.13 fails an internal assert here
    print x2.Grad)                                // d/dx (3x)^2 = 18x
