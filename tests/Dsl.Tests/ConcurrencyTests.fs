module Functional.Dsl.Tests.ConcurrencyTests

// Thread safety of the DSL (issue 6): grad, vjp and jvp of independent functions evaluated on parallel threads give
// the sequential run's results bit for bit, and noGrad on one thread leaves another thread recording.

open System.Threading
open Xunit
open Functional
open Functional.Dsl

/// A workload determined by i: the flattened results of grad, vjp (pulled back twice) and jvp of a small network.
let private workload (i: int) : float32[] =
    let gen = Generator(int64 (500 + i))
    let w = Tensor.Randn([| 4; 4 |], gen)
    let x0 = Tensor.Randn([| 4 |], gen)
    let f (x: Tensor) = ((x.Unsqueeze 0 *@ w) |> tanh |> exp |> sum) + (x * x).Sum()
    let h (x: Tensor) = (x.Unsqueeze 0 *@ w).Squeeze 0 |> sigmoid
    let g = grad f x0
    let y, pull = vjp h x0
    let v1 = pull (Tensor.OnesLike y)
    let v2 = pull (y * 2f)
    let _, t = jvp h x0 (Tensor.OnesLike x0)
    let g2 = grad (fun x -> (grad f x).Pow(2f).Sum()) x0
    Array.concat [ g.ToArray(); y.ToArray(); v1.ToArray(); v2.ToArray(); t.ToArray(); g2.ToArray() ]

[<Fact>]
let ``grad, vjp and jvp on eight threads equal the sequential run bit for bit`` () =
    let n = 200
    let sequential = Array.init n workload
    let parallelResults = Array.zeroCreate<float32[]> n
    let next = ref -1
    let threads =
        [ for _ in 1..8 ->
            Thread(fun () ->
                let mutable i = Interlocked.Increment &next.contents
                while i < n do
                    parallelResults.[i] <- workload i
                    i <- Interlocked.Increment &next.contents) ]
    threads |> List.iter (fun t -> t.Start())
    threads |> List.iter (fun t -> t.Join())
    for i in 0 .. n - 1 do
        let bits (a: float32[]) = a |> Array.map System.BitConverter.SingleToInt32Bits
        Assert.Equal<int[]>(bits sequential.[i], bits parallelResults.[i])

[<Fact>]
let ``noGrad on one thread leaves another thread recording`` () =
    let x = tensor [ 1f; 2f ] |> requiresGrad
    let barrier = new Barrier(2)
    let mutable inside = true
    let mutable other = false
    let t1 = Thread(fun () -> noGrad (fun () -> barrier.SignalAndWait(); inside <- (x * 2f).RequiresGrad; barrier.SignalAndWait()))
    let t2 = Thread(fun () -> barrier.SignalAndWait(); other <- (x * 2f).RequiresGrad; barrier.SignalAndWait())
    t1.Start(); t2.Start(); t1.Join(); t2.Join()
    Assert.False inside
    Assert.True other
