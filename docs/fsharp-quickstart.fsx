#if !DOCS_TEST
#r "../src/Dsl/bin/Release/net10.0/Functional.Core.dll"
#r "../src/Dsl/bin/Release/net10.0/Functional.Dsl.dll"
#endif
// F# quickstart. Run: dotnet build -c Release, then dotnet fsi docs/fsharp-quickstart.fsx
// (a test runs it and compares what it prints with docs/fsharp-quickstart.fsx.out).
//
// Install. In your own script, reference the package instead of the build output above:
//     #i "nuget: /path/to/out/packages"       // the folder `dotnet pack -c Release -o out/packages` wrote
//     #r "nuget: Functional.Dsl, 0.1.0"      // brings Functional.Core and FSharp.Core with it
// (PackageTests in tests/Core.Tests runs exactly such a script against freshly packed packages.)
// In a project: `dotnet add package Functional.Dsl --version 0.1.0` with that folder as a package source.

open Functional
open Functional.Dsl

let section (title: string) = printfn "\n-- %s" title

// ---- Tensors ------------------------------------------------------------------------------------------------
// Values print as PyTorch prints them. In an interactive session, `fsi.AddPrinter Interactive.printer` makes
// `x;;` show the same text.
section "tensors"
let x = tensor [ 1f; 2f; 3f ]
let m = tensor2 [ [ 1f; 2f ]; [ 3f; 4f ] ]
printfn "%O" x
printfn "%O" (m *@ m.T)                             // *@ is Python's @ (same precedence as *)
printfn "%O" (x |> exp |> log |> sum)               // pipelines of tensor functions

// ---- Pure transforms ----------------------------------------------------------------------------------------
// grad, valueAndGrad, vjp and jvp take a function and never touch a Grad accumulator (JAX's style).
section "grad, valueAndGrad, vjp, jvp"
let f (x: Tensor) = sum (sigmoid x)
printfn "%O" (grad f x)                             // sigmoid'(x) = s (1 - s)
let value, g = valueAndGrad f x
printfn "%O %O" value g
let y, pullback = vjp (fun x -> x * x) x            // y = x^2; pullback u = 2x * u
printfn "%O %O" y (pullback (tensor [ 1f; 0f; 1f ]))
let fx, tangent = jvp (fun x -> x * x) x (tensor [ 1f; 1f; 1f ])
printfn "%O %O" fx tangent                          // J v = 2x * v
printfn "%O" (grad (grad (fun x -> sum (x * x * x)) >> sum) x)   // second derivative of x^3: 6x

// ---- PyTorch-style autograd -----------------------------------------------------------------------------------
// The C# API is all there: Backward fills the Grad of leaves that require grad, adding to what is there.
section "Backward and Grad"
let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
(sum (sigmoid a)).Backward()
printfn "%O" a.Grad
(sum (sigmoid a)).Backward()
printfn "%O" a.Grad                                 // accumulated
noGrad (fun () -> Mutable.zero a.Grad) |> ignore    // Grad is the accumulator: reset it under noGrad
printfn "%O" a.Grad
let h = sigmoid a |> stopGradient                   // x.detach(): same storage, no history
printfn "%O requires grad: %b" h h.RequiresGrad
printfn "%O" (noGrad (fun () -> a * 2f))            // with torch.no_grad(): nothing is recorded

// ---- Mutable and Unsafe -------------------------------------------------------------------------------------
// Writes are explicit. Mutable.* are tracked: they bump the storage's version, so a backward that needs the old
// values fails instead of giving a wrong gradient. Unsafe.data is PyTorch's .data: writes through it are invisible.
section "Mutable and Unsafe"
let b = tensor [ 1f; 2f; 3f ] |> requiresGrad
let s = sigmoid b                                   // SigmoidBackward0 saves s
s |> stopGradient |> Mutable.fill 0.5f |> ignore    // a tracked write through an alias
try
    (sum s).Backward()
with :? VersionMismatchException as e ->
    printfn "%s" (e.GetType().Name)
let s2 = sigmoid b
s2 |> Unsafe.data |> Mutable.fill 0.5f |> ignore    // an untracked write...
(sum s2).Backward()
printfn "%O" b.Grad                                 // ...silently gives 0.5 * (1 - 0.5), not sigmoid'(b)

// ---- A small training loop ------------------------------------------------------------------------------------
// The modules, optimizers and data loader of Functional.Core, used from F#. The same loop as the C# quickstart
// (and as tests/Core.Tests/Reference/torch_quickstart.py in PyTorch), so it prints the same numbers.
section "training"
open Functional.Nn
open Functional.Optim
open Functional.Data

let gen = Generator 0L
let inputs = Tensor.Randn([| 256; 2 |], gen)
let labels =
    inputs.ToArray() |> Array.chunkBySize 2 |> Array.map (fun p -> if p[0] * p[1] > 0f then 1L else 0L) |> Tensor.From
let model = Sequential(Linear(2, 16, gen = gen), ReLU(), Linear(16, 2, gen = gen))
let lossFn = CrossEntropyLoss()
let optimizer = Adam(model.Parameters(), lr = 0.05f)
let loader = DataLoader(TensorDataset(inputs, labels), 32, shuffle = true, gen = gen)

for epoch in 1..30 do
    let mutable total = 0f
    for struct (batch, target) in loader do
        optimizer.ZeroGrad()
        let loss = lossFn.Forward(model.Forward batch, target)
        loss.Backward()
        optimizer.Step()
        total <- total + loss.Item()
    if epoch % 10 = 0 then printfn "epoch %d: mean loss %.2f" epoch (total / float32 loader.Count)

let correct (net: Module) =
    noGrad (fun () -> net.Forward(inputs).ArgMax(1).ToInt64Array())
    |> Array.zip (labels.ToInt64Array())
    |> Array.filter (fun (l, p) -> l = p)
    |> Array.length
printfn "accuracy: %d / 256" (correct model)

// ---- Save and load --------------------------------------------------------------------------------------------
section "save and load"
let path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fsharp-quickstart.safetensors")
Io.Safetensors.Save(model.StateDict(), path)
let restored = Sequential(Linear(2, 16), ReLU(), Linear(16, 2))
restored.LoadStateDict(Io.Safetensors.Load path)
System.IO.File.Delete path
printfn "%s" (String.concat ", " (restored.StateDict().Keys))
printfn "accuracy after loading: %d / 256" (correct restored)
