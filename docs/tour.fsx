#if !DOCS_TEST
#r "../src/Dsl/bin/Release/net10.0/Functional.Core.dll"
#r "../src/Dsl/bin/Release/net10.0/Functional.Dsl.dll"
#endif
// A short tour of the F# DSL. Run: dotnet build -c Release, then dotnet fsi docs/tour.fsx
// Every value is printed as PyTorch prints it; the comments say what PyTorch would do.

open Functional
open Functional.Dsl

let section (title: string) = printfn "\n-- %s" title

// ---- Tensors and printing -----------------------------------------------------------------------------------
// In an interactive session, install the printer once: `x;;` then shows `tensor([1., 2., 3.])`, PyTorch's repr.
fsi.AddPrinter Functional.Dsl.Interactive.printer

section "tensors"
let x = tensor [ 1f; 2f; 3f ]
printfn "%O" x                                    // a script prints with %O (ToString, the same text)
printfn "%s" (Interactive.printer x)              // what the FSI printer shows
let batch = tensor2 [ [ 1f; 2f; 3f ]; [ 0f; -1f; 1f ] ]
printfn "%O" batch
printfn "%O" (requiresGrad x)                     // a new leaf that requires grad
printfn "%O" (sigmoid (requiresGrad x))           // a result remembers the op that made it

// ---- Pipelines ----------------------------------------------------------------------------------------------
section "pipelines"
let w = tensor2 [ [ 0.5f; 1f; -0.25f ]; [ -1f; 0.5f; -0.5f ] ] |> requiresGrad
let b = tensor [ 0.1f; -0.2f ] |> requiresGrad
let h = batch |> linear w b |> relu               // batch @ w.T + b, then max(., 0)
printfn "%O" h
let features = h |> stopGradient                  // x.detach(): same storage, no history
printfn "%O" features
printfn "%O" (batch *@ w.T)                       // *@ is Python's @: batch *@ w.T + b adds b last

// ---- Pure transforms: grad, valueAndGrad, vjp, jvp ----------------------------------------------------------
section "transforms"
let cube (x: Tensor) = sum (x * x * x)            // sum of x^3
printfn "%O" (grad cube x)                        // 3x^2
let value, g = valueAndGrad cube x
printfn "%O %O" value g
let y, pullback = vjp sigmoid x                   // y = sigmoid x, pullback u = J^T u
printfn "%O" y
printfn "%O" (pullback (tensor [ 1f; 1f; 1f ]))   // sigmoid'(x)
printfn "%O" (pullback (tensor [ 1f; 0f; 0f ]))   // the pullback can be called again
let fx, jv = jvp (fun x -> x * x) x (tensor [ 1f; 0f; 0f ])
printfn "%O %O" fx jv                             // J v = 2x * v
printfn "%O" (grad (fun x -> sum (grad cube x)) x)   // d/dx sum(3x^2) = 6x
// Nested transforms do not confuse their variables: d/dx [x * d/dy (x*y)] = d/dx x^2 = 2x.
printfn "%O" (grad (fun x -> x * grad (fun y -> x * y) x) (tensor [ 3f ]))
// The gradient of the pipeline's loss with respect to w. The transforms never touch an accumulator:
let dw = grad (fun w -> batch |> linear w b |> relu |> sum) w
printfn "%O" dw
printfn "w.Grad is null: %b" (isNull w.Grad)

// ---- noGrad -------------------------------------------------------------------------------------------------
section "noGrad"
let z = noGrad (fun () -> sigmoid w)              // with torch.no_grad(): nothing is recorded
printfn "%O requires grad: %b" z z.RequiresGrad

// ---- Mutable and Unsafe -------------------------------------------------------------------------------------
section "Mutable and Unsafe"
let a = tensor [ 1f; 2f; 3f ] |> requiresGrad
let out = sigmoid a                               // SigmoidBackward0 saves its output
let alias = stopGradient out                      // shares out's storage and version counter
alias |> Mutable.fill 0.5f |> ignore              // a tracked write: bumps the shared version
printfn "%O version %d" out out.Version
try
    (sum out).Backward()
with :? VersionMismatchException as e ->
    printfn "%s" (e.Message.Substring(0, e.Message.IndexOf " Hint:"))   // PyTorch's message; ours goes on with a hint
printfn "a.Grad is null: %b" (isNull a.Grad)      // a failed backward changes no accumulator

let out2 = sigmoid a
out2 |> Unsafe.data |> Mutable.fill 0.5f |> ignore   // x.data: the write is invisible to autograd...
printfn "%O version %d" out2 out2.Version
(sum out2).Backward()
printfn "%O" a.Grad                               // ...and the gradient is silently 0.5 * (1 - 0.5)

// A tracked in-place op on a tensor that requires grad returns the handle to use; the old one is superseded.
let u = a * 2f
let u2 = u |> Mutable.add (tensor [ 1f; 1f; 1f ])
printfn "%O" u2
try
    sum u |> ignore
with :? SupersededTensorException as e ->
    printfn "%s" (e.GetType().Name)
noGrad (fun () -> a |> Mutable.copy (tensor [ 0f; 0f; 0f ])) |> ignore   // how an optimizer updates a parameter
printfn "%O version %d" a a.Version
