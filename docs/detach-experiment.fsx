#if !DOCS_TEST
#r "../src/Dsl/bin/Release/net10.0/Functional.Core.dll"
#r "../src/Dsl/bin/Release/net10.0/Functional.Dsl.dll"
#endif
// Seed 000 (TestDetach): layer1 -> relu -> detach on odd epochs -> layer2 -> cross-entropy, trained with
// Adam(lr=1, weight_decay=0.5) for 3 epochs, once resetting grads to null (PyTorch 2.x zero_grad) and once to
// zeros (1.x). Run: dotnet build -c Release, then dotnet fsi docs/detach-experiment.fsx
open Functional
open Functional.Dsl

for setToNone in [ true; false ] do
    // the same data and initial weights in both runs; layer = nn.Linear(inF, outF, bias=False)'s uniform init
    let gen, N, F, H = Generator 0L, 64, 8, 16
    let x, y = Tensor.Randn([| N; F |], gen), Tensor.From(Array.init N (fun _ -> int64 (gen.NextInt 3)))
    let layer inF outF = (Tensor.Rand([| outF; inF |], gen) * 2f - 1f) / sqrt (float32 inF) |> requiresGrad
    let w1, w2 = layer F H, layer H 3
    let adam = [ for p in [ w1; w2 ] -> p, ref 0, Tensor.ZerosLike p, Tensor.ZerosLike p ]   // param, step, m, v
    for epoch in 0 .. 2 do
        let loss = x *@ w1.T |> relu |> (if epoch % 2 = 1 then stopGradient else id) |> fun h -> h *@ w2.T |> crossEntropy y
        loss.Backward()
        let before = w1.ToArray()
        // Adam(lr=1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5).step(), PyTorch 2.x: a null Grad is skipped
        noGrad (fun () ->
            for p, t, m, v in adam do
                if not (isNull p.Grad) then
                    t.Value <- t.Value + 1
                    let g = p.Grad + 0.5f * p
                    m |> Mutable.copy (0.9f * m + 0.1f * g) |> ignore
                    v |> Mutable.copy (0.999f * v + 0.001f * g * g) |> ignore
                    let bc1, bc2 = 1.0 - 0.9 ** float t.Value, 1.0 - 0.999 ** float t.Value
                    p |> Mutable.copy (p - float32 (1.0 / bc1) * m / (v.Sqrt() / float32 (sqrt bc2) + 1e-8f)) |> ignore)
        printfn "set_to_none=%-5O  epoch %d  detached %-5O  loss %.4f  layer1 changed %-5O  layer1 Grad is None %O"
            setToNone epoch (epoch % 2 = 1) (loss.Item()) (before <> w1.ToArray()) (isNull w1.Grad)
        // optimizer.zero_grad(set_to_none=setToNone)
        for p, _, _, _ in adam do if setToNone then p.Grad <- null elif not (isNull p.Grad) then Mutable.zero p.Grad |> ignore
