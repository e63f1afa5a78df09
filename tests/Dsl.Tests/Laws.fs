/// The autograd laws, each an FsCheck property over generated programs (Generators.fs), run from an xunit Fact.
/// A failure prints the shrunk program, e.g. `mul(sigmoid(x0), x1)  where x0: [2] = [0.5, -1]; ...`.
module Functional.Dsl.Tests.Laws

open System
open Xunit
open Xunit.Abstractions
open FsCheck
open FsCheck.FSharp
open Functional
open Functional.Dsl
open Functional.OpCases
open Functional.Dsl.Tests.Generators

/// Cases per law: 200, or more with FUNCTIONAL_LAW_CASES=n (for a longer local search).
let private cases =
    match Int32.TryParse(Environment.GetEnvironmentVariable "FUNCTIONAL_LAW_CASES") with
    | true, n when n > 200 -> n
    | _ -> 200

let private run (n: int) (arb: Arbitrary<'a>) (law: 'a -> unit) =
    Check.One(Config.QuickThrowOnFailure.WithMaxTest(n).WithQuietOnSuccess(true), Prop.forAll arb law)

let private values (t: Tensor) = t.ToDoubleArray()

/// Gradients of `loss` with respect to `xs` without touching any accumulator; null where unused.
let private gradsOf (loss: Tensor) (xs: Tensor[]) : (Tensor | null)[] =
    if not loss.RequiresGrad then Array.create xs.Length null
    else Autograd.Grad([| loss |], xs, allowUnused = true)

let private fail fmt = Printf.kprintf (fun s -> raise (Exception s)) fmt

let private show (a: float[]) = "[" + String.Join(", ", a |> Array.map (fun x -> x.ToString("G6"))) + "]"

/// Equal within `rtol` of the larger magnitude or `atol`.
let private close (rtol: float) (atol: float) (a: float) (b: float) = abs (a - b) <= atol + rtol * max (abs a) (abs b)

let private dense (g: Tensor | null) (n: int) = match g with null -> Array.zeroCreate n | g -> values g

// ---- finite differences -------------------------------------------------------------------------------------

// Central differences in Float64 with step h = 1e-6, compared with relative tolerance 1e-5 and an absolute floor
// atol = 1e-8 * max(1, M), M the largest L1 norm of any node's value in the forward pass (median ≈ 7).
// Why that floor: each evaluation of a program rounds at every op, so the loss is off by about
// (ops ≈ 30) * eps (1.1e-16) * M ≈ 3e-15 M; the central difference divides that by 2h = 2e-6: ≈ 2e-9 M at worst.
// Truncation, h²/6 |f'''|, is below 1e-12 |f'''|, negligible for these bounded programs. Measured: a floor of
// 1e-10 M failed within 20,000 cases (noise 1.3e-10 M), 1e-9 M passed 40,000; so 1e-8 M leaves a 10-75x margin
// over the noise, while a wrong rule is off by O(|gradient|). The floor only matters where the true
// derivative is (near) zero: a relu that is off, a cancelling path, weights summing to zero. (Re-run once the
// generators drew every row of the op table, custom op included: 20,000 cases per law passed.)
let private h = 1e-6
let private rtol = 1e-5
let private floorScale = 1e-8

/// A probe that records, for each argument of an op with kinks (relu, abs), on which side of each kink each element
/// lies, and the largest L1 norm of any node value.
type private Observer() =
    let masks = ResizeArray<bool[]>()
    let mutable scale = 0.0
    member _.Masks = masks
    member _.Scale = scale
    member _.Probe =
        { Node = (fun _ v -> scale <- max scale (values v |> Array.sumBy abs); v)
          KinkInput = fun kinks v -> for k in kinks do masks.Add(values v |> Array.map (fun x -> x > k)) }

/// The largest L1 norm of any node value of `p` (the magnitude its rounding errors scale with).
let private scaleOf (p: Program) =
    let o = Observer()
    noGrad (fun () -> p.LossWith o.Probe (p.Tensors false)) |> ignore
    o.Scale

let private sameMasks (a: ResizeArray<bool[]>) (b: ResizeArray<bool[]>) =
    a.Count = b.Count && Seq.forall2 (fun (x: bool[]) (y: bool[]) -> x = y) a b

type private FdOutcome =
    | Agrees
    | CrossesKink

/// Compares every input's gradient with central differences. A perturbation that moves any argument of relu or abs
/// across its kink (the FD segment crosses a point where no derivative exists) makes the case a skip, counted.
let private gradientMatchesFiniteDifferences (p: Program) : FdOutcome =
    let xs = p.Tensors true
    let base' = Observer()
    let loss = p.LossWith base'.Probe xs
    let analytic = gradsOf loss xs
    let atol = floorScale * max 1.0 base'.Scale
    let lossAt (inputs: Input list) =
        noGrad (fun () ->
            let q = { p with Inputs = inputs }
            let o = Observer()
            let l = q.LossWith o.Probe (q.Tensors false)
            l.ItemDouble(), o.Masks)
    let mutable kink = false
    for j in 0 .. p.Inputs.Length - 1 do
        let x = p.Inputs.[j]
        let g = dense analytic.[j] x.Values.Length
        for k in 0 .. x.Values.Length - 1 do
            if not kink then
                let at (d: float) =
                    let v = Array.copy x.Values
                    v.[k] <- v.[k] + d
                    lossAt (List.updateAt j { x with Values = v } p.Inputs)
                let fp, mp = at h
                let fm, mm = at -h
                if not (sameMasks mp base'.Masks && sameMasks mm base'.Masks) then kink <- true
                else
                    let fd = (fp - fm) / (2.0 * h)
                    if not (close rtol atol g.[k] fd) then
                        fail "d loss / d x%d[%d]: autograd %.10g, finite differences %.10g (atol %.3g); autograd gradient %s" j k g.[k] fd atol (show g)
    if kink then CrossesKink else Agrees

// ---- law 2 helpers ----------------------------------------------------------------------------------------------

/// How the tensor t, later written in place, gets saved for backward.
type Saver =
    | SigmoidOutput
    | ExpOutput
    | TanhOutput
    | MulOperand

/// How t is written before backward.
type Write =
    | Itself
    | ThroughView
    | ThroughDetach
    | ThroughData

let private hasOverlap (t: Tensor) = Array.exists2 (fun st sz -> st = 0 && sz > 1) t.Strides (t.Shape.ToArray())

/// A 0-d view of t's first element (Unsqueeze then Select: a view at every step, never a copy).
let private elementView (t: Tensor) =
    let mutable v = t.Unsqueeze 0
    while v.Rank > 0 do
        v <- v.Select(0, 0)
    v

// ---- law 7 helpers ----------------------------------------------------------------------------------------------

/// Sums `g` (of shape `from`) over the dimensions along which `target` was broadcast to `from`: explicit loops,
/// independent of the library's own sum-to-shape.
let private sumTo (from: Dims) (target: Dims) (g: float[]) : float[] =
    let out = Array.zeroCreate (Dims.numel target)
    let lead = from.Length - target.Length
    for i in 0 .. g.Length - 1 do
        let mutable rest = i
        let idx = Array.zeroCreate from.Length
        for d in from.Length - 1 .. -1 .. 0 do
            idx.[d] <- rest % from.[d]
            rest <- rest / from.[d]
        let mutable flat = 0
        for d in 0 .. target.Length - 1 do
            flat <- flat * target.[d] + (if target.[d] = 1 then 0 else idx.[lead + d])
        out.[flat] <- out.[flat] + g.[i]
    out

let private broadcastPrograms: Arbitrary<Program> =
    gen {
        let! sa, sb = genBroadcastPair
        let! va = genValues (Dims.numel sa)
        let! vb = genValues (Dims.numel sb)
        let a, b = Var(0, sa), Var(1, sb)
        let! op = Gen.elements [ for r in binaryRows -> Binary(r, a, b)
                                 yield Binary(divRow, b, a) ]
        let out = Expr.shapeOf op
        let! body =
            Gen.elements
                [ yield op; yield Unary(sigmoidRow, op); yield Unary(tanhRow, op); yield Unary(expRow, op); yield Unary(squareRow, op)
                  yield Binary(mulRow, op, op)
                  if not out.IsEmpty then yield LogSoftmax(op, out.Length - 1) ]
        let! w = genWeights (Dims.numel out)
        return { Inputs = [ { Shape = sa; Values = va }; { Shape = sb; Values = vb } ]; Body = body; Weights = w }
    }
    |> Arb.fromGen

// ---- the laws ---------------------------------------------------------------------------------------------------

type Laws(output: ITestOutputHelper) =

    [<Fact>]
    member _.``Law 1: a detached branch never contributes (stopGradient n has the gradient of a constant n)``() =
        let mutable nodes = 0
        let mutable largest = 0
        let coverage = Collections.Generic.Dictionary<string, int>()
        run cases programs (fun p ->
            largest <- max largest (Expr.size p.Body)
            for e in Expr.nodes p.Body do
                coverage.[Expr.name e] <- (match coverage.TryGetValue(Expr.name e) with | true, c -> c + 1 | _ -> 1)
            // The two runs differ only in the strides of one constant (a detached view against a fresh contiguous
            // copy), so kernels may add in another order: they agree to rounding, about eps times the magnitudes
            // involved (M, the largest L1 norm of a node value); 1e-12 M is far above that and far below any path's
            // real contribution.
            let atol = 1e-12 * max 1.0 (scaleOf p)
            for n in 0 .. Expr.size p.Body - 1 do
                nodes <- nodes + 1
                let gradWith (replace: Tensor -> Tensor) =
                    let xs = p.Tensors true
                    let loss = p.LossWith { noProbe with Node = fun i v -> if i = n then replace v else v } xs
                    gradsOf loss xs
                let cut = gradWith stopGradient
                let constant = gradWith (fun v -> tensorOf (Dims.ofTensor v) (values v) false)
                for j in 0 .. p.Inputs.Length - 1 do
                    match cut.[j], constant.[j] with
                    | null, null -> ()
                    | null, _ | _, null -> fail "node %d (%O): input x%d's gradient is null one way and not the other" n (Expr.nodes p.Body).[n] j
                    | a, b ->
                        if not (Array.forall2 (close 1e-12 atol) (values a) (values b)) then
                            fail "node %d (%O): x%d's gradient with stopGradient %s differs from with a constant %s" n (Expr.nodes p.Body).[n] j (show (values a)) (show (values b)))
        output.WriteLine $"law 1: {cases} programs, {nodes} (program, node) cuts, largest program {largest} nodes"
        output.WriteLine("node kinds: " + String.Join(", ", coverage |> Seq.sortBy (fun kv -> -kv.Value) |> Seq.map (fun kv -> $"{kv.Key} {kv.Value}")))

    [<Fact>]
    member _.``Programs draw every op of the table and the custom Function``() =
        // 2,000 programs (no evaluation): every row must occur, so each law runs over all of them.
        let seen = Collections.Generic.HashSet<string>()
        for p in Gen.sampleWithSize 50 2000 genProgram do
            for e in Expr.nodes p.Body do
                seen.Add(Expr.name e) |> ignore
        let missing = [ for r in unaryRows do if not (seen.Contains r.Name) then r.Name
                        for r in binaryRows do if not (seen.Contains r.Name) then r.Name ]
        Assert.True(missing.IsEmpty, "rows no generated program contains: " + String.Join(", ", missing))
        Assert.Contains(CustomOps.softsignRow.Name, seen)

    [<Fact>]
    member _.``Law 2: a tracked write to a saved tensor, its view or its Detach alias makes backward raise; Unsafe.data does not``() =
        let arb =
            gen {
                let! p, n = Arb.toGen programsWithNode
                let! saver = Gen.elements [ SigmoidOutput; ExpOutput; TanhOutput; MulOperand ]
                let! write = Gen.elements [ Itself; ThroughView; ThroughDetach; ThroughData ]
                return p, n, saver, write
            }
            |> Arb.fromGen
        run cases arb (fun (p, n, saver, write) ->
            let xs = p.Tensors true
            let mutable saved: Tensor option = None
            let save (v: Tensor) =
                let t, result =
                    match saver with
                    | SigmoidOutput -> let t = v.Sigmoid() in t, t
                    | ExpOutput -> let t = v.Tanh().Exp() in t, t
                    | TanhOutput -> let t = v.Tanh() in t, t
                    | MulOperand ->
                        // saved as the operand whose partner requires grad
                        let t = if hasOverlap v then v.Clone() else v
                        let c = tensorOf (Dims.ofTensor t) (Array.create t.NumElements 1.5) true
                        t, t * c
                saved <- Some t
                result
            let loss = p.LossWith { noProbe with Node = fun i v -> if i = n then save v else v } xs
            let t = saved.Value
            match write with
            | Itself -> noGrad (fun () -> t |> Mutable.fill 0.25f |> ignore)
            | ThroughView -> let v = elementView t in noGrad (fun () -> v |> Mutable.fill 0.25f |> ignore)
            | ThroughDetach -> stopGradient t |> Mutable.fill 0.25f |> ignore
            | ThroughData -> Unsafe.data t |> Mutable.fill 0.25f |> ignore
            match write with
            | ThroughData -> loss.Backward()
            | _ ->
                try
                    loss.Backward()
                    fail "%A of node %d written %A: backward did not raise" saver n write
                with :? VersionMismatchException -> ())

    [<Fact>]
    member _.``Law 3: gradients match central finite differences in Float64``() =
        let mutable skipped = 0
        let scales = ResizeArray<float>()
        run cases programs (fun p ->
            scales.Add(scaleOf p)
            match gradientMatchesFiniteDifferences p with
            | Agrees -> ()
            | CrossesKink -> skipped <- skipped + 1)
        output.WriteLine $"law 3: {cases} programs, {skipped} skipped because a perturbation crossed a kink (relu, abs)"
        let sorted = Seq.sort scales |> Array.ofSeq
        output.WriteLine $"law 3: magnitude M (largest node L1 norm): median {sorted.[sorted.Length / 2]:G3}, 99th percentile {sorted.[sorted.Length * 99 / 100]:G3}, max {Array.last sorted:G3}"
        Assert.True(skipped * 10 < cases, $"{skipped} of {cases} cases crossed a kink (relu, abs)")

    [<Fact>]
    member _.``Law 3b: every op of the table and the custom op match finite differences on their own domains, untransformed``() =
        // Each row as it is (log x, not log(x²+1)) on inputs drawn from its domain (Domain.At), plus a composite.
        let ops =
            [| for r in unaryRows -> r.Name, [| r.Domain |], (fun (t: Tensor[]) -> r.Apply.Invoke t.[0])
               for r in binaryRows -> r.Name, [| r.DomainA; r.DomainB |], (fun (t: Tensor[]) -> r.Apply.Invoke(t.[0], t.[1]))
               yield "y^2.5 * log x", [| Domain.Positive; Domain.Positive |], (fun (t: Tensor[]) -> t.[1].Pow 2.5f * t.[0].Log()) |]
        let arb =
            gen {
                let! f = Gen.choose (0, ops.Length - 1)
                let _, domains, _ = ops.[f]
                let! s = genDims
                let! xs = domains |> Gen.collectToArray (fun d -> genDomainValues d (Dims.numel s))
                let! w = genWeights (Dims.numel s)
                return s, xs, w, f
            }
            |> Arb.fromGen
        run cases arb (fun (s, xs, w, f) ->
            let name, _, apply = ops.[f]
            let loss (vs: float[][]) (rg: bool) =
                let ts = vs |> Array.map (fun v -> tensorOf s v rg)
                (apply ts * tensorOf s w false).Sum(), ts
            let l, ts = loss xs true
            let g = gradsOf l ts
            for j in 0 .. xs.Length - 1 do
                let gj = dense g.[j] xs.[j].Length
                for k in 0 .. xs.[j].Length - 1 do
                    let at d =
                        let vs = Array.map Array.copy xs
                        vs.[j].[k] <- vs.[j].[k] + d
                        (fst (loss vs false)).ItemDouble()
                    let fd = (at h - at -h) / (2.0 * h)
                    if not (close rtol 1e-7 gj.[k] fd) then
                        fail "%s on %s: d/dx%d[%d] autograd %.10g, finite differences %.10g; inputs %A" name (Dims.show s) j k gj.[k] fd xs)

    [<Fact>]
    member _.``Law 4: jvp agrees with finite differences and is the transpose of vjp``() =
        let arb =
            gen {
                let! p = genProgram
                let! v = genValues (3 * maxNumel)
                return p, v
            }
            |> fun g -> Arb.fromGenShrink (g, fun (p, v) -> shrinkProgram p |> Seq.map (fun p' -> p', v))
        let mutable skipped = 0
        run cases arb (fun (p, vAll) ->
            let sizes = p.Inputs |> List.map (fun x -> x.Values.Length)
            let offsets = List.scan (+) 0 sizes
            let n = List.sum sizes
            let unpack (flat: Tensor) =
                p.Inputs |> List.mapi (fun j x -> flat.Slice(0, offsets.[j], offsets.[j] + sizes.[j]).Reshape(Array.ofList x.Shape)) |> Array.ofList
            let f (probe: Probe) (flat: Tensor) = evaluateWith probe (unpack flat) p.Body
            let x0 = Array.concat (p.Inputs |> List.map (fun x -> x.Values))
            let v = Array.truncate n vAll |> Array.map (fun a -> a / 2.0)
            let outShape = p.OutputShape
            let x, vt, u = tensorOf [ n ] x0 false, tensorOf [ n ] v false, p.WeightTensor
            let y, jv = jvp (f noProbe) x vt
            let _, pullback = vjp (f noProbe) x
            let vjpU = values (pullback u)
            let jvv = values jv
            Assert.Equal<int list>(outShape, Dims.ofTensor jv)
            // ⟨vjp u, v⟩ = ⟨u, jvp v⟩
            let lhs = Array.fold2 (fun s a b -> s + a * b) 0.0 vjpU v
            let rhs = Array.fold2 (fun s a b -> s + a * b) 0.0 p.Weights jvv
            let scale = 1.0 + Array.fold2 (fun s a b -> s + abs (a * b)) 0.0 vjpU v + Array.fold2 (fun s a b -> s + abs (a * b)) 0.0 p.Weights jvv
            if not (close 0.0 (1e-10 * scale) lhs rhs) then fail "<vjp u, v> = %.12g but <u, jvp v> = %.12g" lhs rhs
            // jvp against central differences along v
            let base' = Observer()
            noGrad (fun () -> f base'.Probe x) |> ignore
            let at (d: float) =
                let o = Observer()
                let out = noGrad (fun () -> f o.Probe (tensorOf [ n ] (Array.map2 (fun a b -> a + d * b) x0 v) false))
                values out, o.Masks
            let fp, mp = at h
            let fm, mm = at -h
            if not (sameMasks mp base'.Masks && sameMasks mm base'.Masks) then skipped <- skipped + 1
            else
                let atol = floorScale * max 1.0 base'.Scale
                let fd = Array.map2 (fun a b -> (a - b) / (2.0 * h)) fp fm
                for i in 0 .. fd.Length - 1 do
                    if not (close rtol atol jvv.[i] fd.[i]) then
                        fail "jvp element %d: %.10g, finite differences %.10g (atol %.3g); jvp %s; value %s" i jvv.[i] fd.[i] atol (show jvv) (show (values y)))
        output.WriteLine $"law 4: {cases} programs, {skipped} finite-difference checks skipped at a kink (relu, abs)"
        Assert.True(skipped * 10 < cases, $"{skipped} of {cases} cases crossed a kink (relu, abs)")

    [<Fact>]
    member _.``Law 5: grad is pure: accumulators, versions and input values are left as they were``() =
        let arb =
            gen {
                let! p = genProgram
                let! presets = Gen.listOfLength 4 (Gen.elements [ false; true ])
                return p, presets
            }
            |> fun g -> Arb.fromGenShrink (g, fun (p, s) -> shrinkProgram p |> Seq.map (fun p' -> p', s))
        run cases arb (fun (p, presets) ->
            let xs = p.Tensors true
            // an extra captured leaf that always requires grad, so every f closes over one
            let c = tensorOf [ 2 ] [| 0.3; -0.7 |] true
            let leaves = Array.append xs [| c |]
            leaves |> Array.iteri (fun i l -> if presets.[i % presets.Length] then l.Grad <- Tensor.OnesLike(l) * 7.0f)
            let gradsBefore = leaves |> Array.map (fun l -> l.Grad)
            let gradValuesBefore = gradsBefore |> Array.map (function null -> [||] | g -> values g)
            let gradVersionsBefore = gradsBefore |> Array.map (function null -> -1 | g -> g.Version)
            let versionsBefore = leaves |> Array.map (fun l -> l.Version)
            let valuesBefore = leaves |> Array.map values
            let f (x: Tensor) = p.Loss(Array.append [| x |] xs.[1..]) + c.Sigmoid().Sum()
            let g = grad f xs.[0]
            let check what =
                leaves |> Array.iteri (fun i l ->
                    if not (obj.ReferenceEquals(l.Grad, gradsBefore.[i])) then fail "%s replaced leaf %d's Grad" what i
                    match l.Grad with
                    | null -> ()
                    | lg ->
                        if values lg <> gradValuesBefore.[i] || lg.Version <> gradVersionsBefore.[i] then fail "%s changed leaf %d's Grad" what i
                    if l.Version <> versionsBefore.[i] then fail "%s bumped leaf %d's version" what i
                    if values l <> valuesBefore.[i] then fail "%s changed leaf %d's values" what i)
            check "grad"
            // and it is the gradient: the one Autograd.Grad gives on fresh leaves
            let fresh = p.Tensors true
            let expected = dense (gradsOf (p.Loss fresh) fresh).[0] p.Inputs.[0].Values.Length
            if not (Array.forall2 (close 1e-12 1e-14) (values g) expected) then fail "grad %s but Autograd.Grad %s" (show (values g)) (show expected)
            let _, pullback = vjp f xs.[0]
            pullback (Tensor.Scalar 1.0) |> ignore
            check "vjp")

    [<Fact>]
    member _.``Law 6: two retained backwards accumulate twice one; Grad <- null clears it; Zero_ under noGrad zeroes it``() =
        run cases programs (fun p ->
            let once = p.Tensors true
            (p.Loss once).Backward()
            let xs = p.Tensors true
            let loss = p.Loss xs
            loss.Backward(retainGraph = true)
            loss.Backward(retainGraph = true)
            for j in 0 .. xs.Length - 1 do
                match once.[j].Grad, xs.[j].Grad with
                | null, null -> ()
                | null, _ | _, null -> fail "x%d: Grad is null after one backward and not after two, or the reverse" j
                | g1, g2 ->
                    if values g2 <> Array.map (fun a -> 2.0 * a) (values g1) then fail "x%d: two backwards %s, one %s" j (show (values g2)) (show (values g1))
                // ZeroGrad(setToNone = true)
                xs.[j].Grad <- null
                Assert.Null xs.[j].Grad
            loss.Backward(retainGraph = true)
            for j in 0 .. xs.Length - 1 do
                match once.[j].Grad, xs.[j].Grad with
                | null, null -> ()
                | g1, g when isNull g1 || isNull g -> fail "x%d: Grad null-ness differs after clearing" j
                | g1, g ->
                    let g1, g = nonNull g1, nonNull g
                    if values g <> values g1 then fail "x%d: after clearing, one backward gives %s, not %s" j (show (values g)) (show (values g1))
                    // ZeroGrad(setToNone = false)
                    noGrad (fun () -> g.Zero_()) |> ignore
                    let z = nonNull xs.[j].Grad
                    if not (obj.ReferenceEquals(z, g)) || values z |> Array.exists (fun a -> a <> 0.0) then fail "x%d: Zero_ did not zero the accumulator" j)

    [<Fact>]
    member _.``Law 7: a broadcast input's gradient has its shape and is the summed gradient of its expanded copy``() =
        run cases broadcastPrograms (fun p ->
            let outShape = p.OutputShape   // every tail keeps the broadcast op's shape
            let xs = p.Tensors true
            let g = gradsOf (p.Loss xs) xs
            // the same program on copies expanded to the output shape
            let expandedInputs =
                p.Inputs |> List.map (fun x ->
                    let e = noGrad (fun () -> (tensorOf x.Shape x.Values false).Expand(Array.ofList outShape))
                    { Shape = outShape; Values = values e })
            let rec refit e = match e with Var(i, _) -> Var(i, outShape) | _ -> Expr.withChildren e (List.map refit (Expr.children e))
            let q = { p with Inputs = expandedInputs; Body = refit p.Body }
            let xe = q.Tensors true
            let ge = gradsOf (q.Loss xe) xe
            for j in 0 .. 1 do
                let x = p.Inputs.[j]
                match g.[j], ge.[j] with
                | null, null -> ()
                | null, _ | _, null -> fail "x%d: gradient null one way only" j
                | a, b ->
                    if Dims.ofTensor a <> x.Shape then fail "x%d: gradient shape %s, input shape %s" j (Dims.show (Dims.ofTensor a)) (Dims.show x.Shape)
                    let expected = sumTo outShape x.Shape (values b)
                    // the library and sumTo add the same terms in different orders: equal to rounding
                    if not (Array.forall2 (close 1e-12 (1e-12 * max 1.0 (scaleOf p))) (values a) expected) then
                        fail "x%d %s: gradient %s, summed expanded gradient %s" j (Dims.show x.Shape) (show (values a)) (show expected))

    [<Fact>]
    member _.``Law 8: everything computed under noGrad has RequiresGrad = false and no GradFn``() =
        run cases programs (fun p ->
            let xs = p.Tensors true
            let checkNode n (v: Tensor) =
                // a leaf that is an input itself was not computed here
                if not (Array.exists (fun x -> obj.ReferenceEquals(x, v)) xs) && (v.RequiresGrad || not (isNull v.GradFn)) then fail "node %d (%O) under noGrad: RequiresGrad %b, GradFn %O" n (Expr.nodes p.Body).[n] v.RequiresGrad v.GradFn
                v
            let loss = noGrad (fun () -> p.LossWith { noProbe with Node = checkNode } xs)
            if loss.RequiresGrad || not (isNull loss.GradFn) then fail "the loss computed under noGrad requires grad"
            if xs |> Array.exists (fun x -> not x.RequiresGrad) then fail "an input stopped requiring grad")
