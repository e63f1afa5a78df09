#if !DOCS_TEST
#r "../src/Dsl/bin/Release/net10.0/Functional.Core.dll"
#r "../src/Dsl/bin/Release/net10.0/Functional.Dsl.dll"
#endif
// The F# column of docs/pytorch-migration.md, entry by entry, in table order (a test runs this script and compares
// what it prints with pytorch-migration.fsx.out). Comments give the PyTorch call. The random values and the shuffled
// order are PyTorch 1.13's for the same seed (tests/Core.Tests/Reference/torch_quickstart.py and its .out).

open Functional
open Functional.Dsl
open Functional.Nn
open Functional.Optim
open Functional.Data

let show (label: string) (value: obj) = printfn "%-28s %O" label value

// ---- Tensors ------------------------------------------------------------------------------------------------
let gen = Generator 0L                                        // torch.manual_seed(0)
let a = tensor [ 1f; 2f; 3f ] |> requiresGrad                 // torch.tensor([1., 2., 3.], requires_grad=True)
show "requiresGrad" a
show "Randn" (Tensor.Randn([| 2; 2 |], gen))                  // torch.randn(2, 2)
show "Rand" (Tensor.Rand([| 1 |], gen))                       // torch.rand(1)
show "Int64" (Tensor.From [| 0L; 2L |])                       // torch.LongTensor([0, 2])
show "sigmoid, relu, sum" (sum (relu (sigmoid a)))            // x.sigmoid().relu().sum()
let w1 = tensor [ 2f ] |> requiresGrad
let w2 = tensor [ 2f ] |> requiresGrad
let x2 = tensor [ 0.5f ] |> requiresGrad
let y2 = x2 ** w1                                             // y2 = x2 ** w1 (F#'s own **)
let z2 = w2 * y2 + 1f                                         // z2 = w2 * y2 + 1
show "w2 * x2 ** w1 + 1" z2
let m = tensor2 [ [ 1f; 2f ]; [ 3f; 4f ] ]
show "*@" (m *@ m.T)                                          // m @ m.T
show "linear" (m |> linear (tensor2 [ [ 1f; 1f ] ]) (tensor [ 0.5f ]))   // F.linear(m, w, b)
show "Clone" (a.Clone())                                      // a.clone()
show "Item" ((sum a).Item())                                  // a.sum().item()
show "Cpu" (obj.ReferenceEquals(a.Cpu(), a))                  // a.cpu() is a itself for a CPU tensor
let z = stopGradient (a * 2f)                                 // z = (a * 2).detach()
z[0] <- Tensor.Scalar 100f                                    // z[0] = 100.0
show "z[0] <- 100" z

// ---- Autograd -----------------------------------------------------------------------------------------------
z2.Backward()                                                 // z2.backward()
show "x2.Grad, w1.Grad, w2.Grad" $"{x2.Grad} {w1.Grad} {w2.Grad}"   // 2 w2 x2, w2 x2^2 ln x2, x2^2
show "y2.Grad (non-leaf)" (isNull y2.Grad)                    // None, with PyTorch's warning
let v = a * a
v.Backward(tensor [ 1f; 0f; 1f ])                             // v.backward(gradient) from a non-scalar
show "Backward gradient" a.Grad
let c = sum (a * a)
c.Backward(retainGraph = true)                                // c.backward(retain_graph=True)
c.Backward()                                                  // allowed once more
show "retainGraph" a.Grad
show "grad (grad f >> sum)" (grad (grad (fun x -> sum (x * x * x)) >> sum) (tensor [ 1f; 2f ]))   // create_graph
let h = a * 3f
h.RetainGrad() |> ignore                                      // h.retain_grad()
do
    use _ = h.RegisterHook(fun g -> g * 2f)                   // h.register_hook(lambda g: g * 2), removed at the end
    noGrad (fun () -> Mutable.zero a.Grad) |> ignore
    (sum h).Backward()
show "RetainGrad, RegisterHook" $"{h.Grad} {a.Grad}"
show "grad" (grad (fun x -> sum (sigmoid x)) (tensor [ 0f ])) // torch.autograd.grad(sigmoid(x).sum(), x)
let value, g = valueAndGrad (fun x -> sum (x * x)) (tensor [ 3f ])
show "valueAndGrad" $"{value} {g}"
let y, pullback = vjp (fun x -> x * x) (tensor [ 3f ])        // torch.func.vjp
show "vjp" $"{y} {pullback (tensor [ 1f ])}"
let fx, tangent = jvp (fun x -> x * x) (tensor [ 3f ]) (tensor [ 1f ])   // torch.func.jvp
show "jvp" $"{fx} {tangent}"
show "RequiresGrad, IsLeaf, GradFn" $"{h.RequiresGrad} {h.IsLeaf} {h.GradFn.Name}"
show "stopGradient" (stopGradient h)                          // h.detach()
let md = (a * 3f).Detach_()                                   // m.detach_()
show "Detach_" md
show "Unsafe.data" (Unsafe.data a)                            // a.data
let zc = tensor [ 1f; 2f ]
show "Mutable.zero" (Mutable.zero zc)                         // c.zero_()
show "noGrad" (noGrad (fun () -> a * 2f))                     // with torch.no_grad(): a * 2

// ---- nn, optim, data ----------------------------------------------------------------------------------------
// class TestDetach(nn.Module), seed 000, with a switch that detaches the hidden layer.
type TestDetach =
    inherit Module
    val Layer1: Linear
    val Layer2: Linear
    [<DefaultValue>] val mutable DetachLayer1: bool
    new(inDim: int, hidden: int, outDim: int, gen: Generator) as this =
        { inherit Module()
          Layer1 = Linear(inDim, hidden, bias = false, gen = gen)
          Layer2 = Linear(hidden, outDim, bias = false, gen = gen) }
        then
            this.RegisterModule("layer1", this.Layer1) |> ignore   // self.layer1 = nn.Linear(...)
            this.RegisterModule("layer2", this.Layer2) |> ignore
    override this.Forward x =
        let h = relu (this.Layer1.Forward x)
        this.Layer2.Forward(if this.DetachLayer1 then stopGradient h else h)

let net = TestDetach(4, 8, 3, gen)
show "Module" (net.NamedParameters() |> Seq.map (fun struct (name, _) -> name) |> String.concat ", ")
let seq = Sequential(Flatten(), Linear(4, 2, gen = gen), ReLU())    // nn.Sequential(nn.Flatten(), ...)
show "Sequential" (seq.Forward(Tensor.Ones(1, 2, 2)).Shape)
let inputs = Tensor.Randn([| 6; 4 |], gen)
let targets = Tensor.From [| 0L; 1L; 2L; 0L; 1L; 2L |]
let lossFn = CrossEntropyLoss()                               // nn.CrossEntropyLoss()
let logits = net.Forward inputs                               // model(x)
show "loss two ways" (lossFn.Forward(logits, targets).Item() = (logits |> crossEntropy targets).Item())
let adam = Adam(net.Parameters(), lr = 1f, weightDecay = 0.5f)   // torch.optim.Adam(ps, lr=1, weight_decay=0.5)
let sgd = Sgd(Seq.append (net.Parameters()) (seq.Parameters()), lr = 0.001f, momentum = 0.9f)  // itertools.chain
net.DetachLayer1 <- true                                      // seed 000's second epoch
adam.ZeroGrad()                                               // optimizer.zero_grad(): grads to None
lossFn.Forward(net.Forward inputs, targets).Backward()
let before = net.Layer1.Weight.Data.Clone()                   // model.layer1.weight.data
adam.Step()                                                   // optimizer.step()
show "layer1 Grad, moved" $"{isNull net.Layer1.Weight.Grad} {(net.Layer1.Weight - before).Abs().Sum().Item()}"
for p in seq.Parameters() do p.RequiresGrad <- false          // p.requires_grad = False
show "frozen" (seq.Parameters() |> Seq.forall (fun p -> not p.RequiresGrad))
sgd.ZeroGrad()
let loader = DataLoader(TensorDataset(inputs, targets), 4, shuffle = true, gen = Generator 0L)  // DataLoader(...)
show "DataLoader" (loader |> Seq.map (fun struct (_, t) -> string t) |> String.concat " ")
