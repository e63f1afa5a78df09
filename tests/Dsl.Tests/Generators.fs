/// FsCheck generators for the autograd laws (Laws.fs): small shapes, bounded Float64 values, and random
/// differentiable programs as an AST that prints compactly, evaluates to a Tensor, can be cut at any node
/// (nodes are numbered in pre-order) and shrinks to a readable counterexample.
module Functional.Dsl.Tests.Generators

open System
open FsCheck
open FsCheck.FSharp
open Functional
open Functional.OpCases

// ---- shapes ----------------------------------------------------------------------------------------------

/// A tensor shape as an F# list (rank 0 is []).
type Dims = int list

[<RequireQualifiedAccess>]
module Dims =
    let numel (s: Dims) = List.fold (*) 1 s
    let show (s: Dims) = "[" + String.Join(",", s) + "]"
    let ofTensor (t: Tensor) : Dims = t.Shape.ToArray() |> List.ofArray

    /// NumPy/PyTorch broadcasting of two shapes (aligned from the right), or None.
    let broadcast (a: Dims) (b: Dims) : Dims option =
        let n = max a.Length b.Length
        let pad (s: Dims) = List.replicate (n - s.Length) 1 @ s
        List.zip (pad a) (pad b)
        |> List.map (fun (x, y) -> if x = y || y = 1 then Some x elif x = 1 then Some y else None)
        |> fun ds -> if List.forall Option.isSome ds then Some(List.map Option.get ds) else None

/// The largest number of elements a generated input or intermediate may have: keeps finite differences cheap.
let maxNumel = 36

/// A shape of rank 0–4 with sizes 1–4 and at most `maxNumel` elements (higher ranks get smaller sizes).
let genDims: Gen<Dims> =
    gen {
        let! rank = Gen.frequency [ 1, Gen.constant 0; 3, Gen.constant 1; 4, Gen.constant 2; 2, Gen.constant 3; 1, Gen.constant 4 ]
        let maxSize = if rank >= 3 then 3 else 4
        return! Gen.listOfLength rank (Gen.choose (1, maxSize)) |> Gen.filter (fun s -> Dims.numel s <= maxNumel)
    }

/// A shape that broadcasts *to* `target` without changing it: some leading dims dropped, some sizes set to 1.
let genBroadcastableTo (target: Dims) : Gen<Dims> =
    gen {
        let! drop = Gen.choose (0, target.Length)
        let! ones = Gen.listOfLength (target.Length - drop) (Gen.frequency [ 2, Gen.constant false; 1, Gen.constant true ])
        return List.map2 (fun d one -> if one then 1 else d) (List.skip drop target) ones
    }

/// Two shapes that broadcast together (either may be the broadcast one, or both, e.g. [3,1] and [4]).
let genBroadcastPair: Gen<Dims * Dims> =
    gen {
        let! out = genDims
        let! a = genBroadcastableTo out
        let! b = genBroadcastableTo out
        let! swap = Gen.elements [ false; true ]
        return if swap then b, a else a, b
    }

// ---- values ----------------------------------------------------------------------------------------------

/// Finite Float64 values in [-2, 2] with three decimals (readable when printed).
let genValues (n: int) : Gen<float[]> = Gen.arrayOfLength n (Gen.choose (-2000, 2000) |> Gen.map (fun k -> float k / 1000.0))

/// Values in an op's smooth domain (an op table row's `Domain`: [0.5, 2] for log, sqrt and fractional powers, ...),
/// rounded to three decimals.
let genDomainValues (d: Domain) (n: int) : Gen<float[]> =
    let point =
        gen {
            let! k = Gen.choose (0, 1000)
            let! negative = Gen.elements [ false; true ]
            return Math.Round(d.At(float k / 1000.0, negative), 3)
        }
    Gen.arrayOfLength n point

/// Non-zero weights in quarters, ±0.25 … ±1: the final reduction `sum(w * out)` (a plain sum would make
/// every softmax gradient exactly zero).
let genWeights (n: int) : Gen<float[]> =
    Gen.arrayOfLength n (Gen.elements [ -4; -3; -2; -1; 1; 2; 3; 4 ] |> Gen.map (fun k -> float k / 4.0))

/// A deterministic weight pattern, used when shrinking changes the output shape.
let patternWeights (n: int) : float[] = Array.init n (fun k -> [| 1.0; -0.5; 0.75; -1.25 |].[k % 4])

/// A Float64 tensor (a fresh leaf).
let tensorOf (shape: Dims) (values: float[]) (requiresGrad: bool) : Tensor =
    Tensor.From(Array.copy values, Array.ofList shape, requiresGrad)

/// A Float64 tensor of the given shape with values in [-2, 2].
let genTensor (shape: Dims) : Gen<Tensor> = genValues (Dims.numel shape) |> Gen.map (fun v -> tensorOf shape v false)

// ---- the elementwise ops: the op table's rows ---------------------------------------------------------------

/// The one-operand ops programs draw: every row of the op table (tests/OpCases/OpTable.cs) and the F#-side rows
/// (CustomOps.fs: a custom Function).
let unaryRows: UnaryCase list = List.ofSeq OpTable.Unary @ CustomOps.rows

/// The two-tensor ops programs draw: every two-tensor row of the op table.
let binaryRows: BinaryCase list = List.ofSeq OpTable.Binary

let private unaryRow (name: string) = unaryRows |> List.find (fun r -> r.Name = name)

// the rows the generators and laws name
let tanhRow = unaryRow "tanh"
let sigmoidRow = unaryRow "sigmoid"
let expRow = unaryRow "exp"
let squareRow = unaryRow "pow 2"
let mulRow = OpTable.BinaryNamed "mul"
let divRow = OpTable.BinaryNamed "div"

// ---- programs --------------------------------------------------------------------------------------------

/// A differentiable program over inputs x0, x1, x2. Every node has a static shape (`Expr.shapeOf`).
/// Partial ops are made total by their row's transform (`UnaryCase.Total`): div(a, b) is a / (b² + 1), exp a is
/// exp(tanh a), log a is log(a² + 1), sqrt a is sqrt(a² + 1); they print that way.
type Expr =
    /// Input `i` fitted to `shape` (as is when the shapes agree; else by reshape, or leading sums, slices,
    /// means and expand): the leaf stays valid when shrinking drops inputs or makes them smaller.
    | Var of input: int * shape: Dims
    /// An elementwise op of two tensors, broadcast: a row of the op table.
    | Binary of op: BinaryCase * Expr * Expr
    /// An elementwise op of one tensor: a row of the op table, or an F#-side row (a custom Function).
    | Unary of op: UnaryCase * Expr
    | SumDim of Expr * dim: int * keepDim: bool
    | MeanDim of Expr * dim: int * keepDim: bool
    | Softmax of Expr * dim: int
    | LogSoftmax of Expr * dim: int
    | MatMul of Expr * Expr
    | Reshape of Expr * Dims
    | Transpose of Expr * int * int
    | Slice of Expr * dim: int * start: int * stop: int
    | Expand of Expr * Dims
    | Clone of Expr

    override e.ToString() = Expr.Show (fun _ _ -> false) e

    /// The compact form, e.g. `mul(sigmoid(x0), x1)`. `plain i shape` says whether input i already has `shape`
    /// (then the leaf prints as `x{i}`, else as `fit(x{i},[shape])`).
    static member Show (plain: int -> Dims -> bool) (e: Expr) : string =
        let s = Expr.Show plain
        let keep k = if k then ", keep" else ""
        match e with
        | Var(i, d) -> if plain i d then $"x{i}" else $"fit(x{i},{Dims.show d})"
        | Binary(op, a, b) -> op.Show(s a, s b)
        | Unary(op, a) -> op.Show(s a)
        | SumDim(a, d, k) -> $"sum({s a}, dim={d}{keep k})"
        | MeanDim(a, d, k) -> $"mean({s a}, dim={d}{keep k})"
        | Softmax(a, d) -> $"softmax({s a}, dim={d})"
        | LogSoftmax(a, d) -> $"logSoftmax({s a}, dim={d})"
        | MatMul(a, b) -> $"matmul({s a}, {s b})"
        | Reshape(a, d) -> $"reshape({s a}, {Dims.show d})"
        | Transpose(a, d0, d1) -> $"transpose({s a}, {d0}, {d1})"
        | Slice(a, d, b, e) -> $"slice({s a}, dim={d}, {b}:{e})"
        | Expand(a, d) -> $"expand({s a}, {Dims.show d})"
        | Clone a -> $"clone({s a})"

[<RequireQualifiedAccess>]
module Expr =
    let children (e: Expr) : Expr list =
        match e with
        | Var _ -> []
        | Binary(_, a, b) | MatMul(a, b) -> [ a; b ]
        | Unary(_, a) | Clone a -> [ a ]
        | SumDim(a, _, _) | MeanDim(a, _, _) | Softmax(a, _) | LogSoftmax(a, _)
        | Reshape(a, _) | Transpose(a, _, _) | Slice(a, _, _, _) | Expand(a, _) -> [ a ]

    /// The same node with new children (in the order of `children`).
    let withChildren (e: Expr) (cs: Expr list) : Expr =
        match e, cs with
        | Var _, [] -> e
        | Binary(op, _, _), [ a; b ] -> Binary(op, a, b)
        | MatMul _, [ a; b ] -> MatMul(a, b)
        | Unary(op, _), [ a ] -> Unary(op, a)
        | Clone _, [ a ] -> Clone a
        | SumDim(_, d, k), [ a ] -> SumDim(a, d, k)
        | MeanDim(_, d, k), [ a ] -> MeanDim(a, d, k)
        | Softmax(_, d), [ a ] -> Softmax(a, d)
        | LogSoftmax(_, d), [ a ] -> LogSoftmax(a, d)
        | Reshape(_, s), [ a ] -> Reshape(a, s)
        | Transpose(_, d0, d1), [ a ] -> Transpose(a, d0, d1)
        | Slice(_, d, b, s), [ a ] -> Slice(a, d, b, s)
        | Expand(_, s), [ a ] -> Expand(a, s)
        | _ -> invalidArg "cs" $"wrong number of children for {e}"

    /// The number of nodes; node indices (pre-order) run from 0 to size - 1.
    let rec size (e: Expr) : int = 1 + List.sumBy size (children e)

    /// Every node in pre-order: node n is `(nodes e).[n]`.
    let rec nodes (e: Expr) : Expr list = e :: List.collect nodes (children e)

    let rec inputsUsed (e: Expr) : Set<int> =
        match e with
        | Var(i, _) -> Set.singleton i
        | _ -> children e |> List.map inputsUsed |> Set.unionMany

    /// The shapes input `i` is fitted to in `e`.
    let rec usesOf (i: int) (e: Expr) : Set<Dims> =
        match e with
        | Var(j, s) -> if i = j then Set.singleton s else Set.empty
        | _ -> children e |> List.map (usesOf i) |> Set.unionMany

    let rec mapInputs (f: int -> int) (e: Expr) : Expr =
        match e with
        | Var(i, s) -> Var(f i, s)
        | _ -> withChildren e (List.map (mapInputs f) (children e))

    /// The node's op: its row's name for an elementwise op ("mul", "pow 0.5"), else its case name ("Softmax"), for
    /// coverage reports.
    let name (e: Expr) =
        match e with
        | Binary(op, _, _) -> op.Name
        | Unary(op, _) -> op.Name
        | _ -> (Reflection.FSharpValue.GetUnionFields(e, typeof<Expr>) |> fst).Name

    /// The static shape of a node's value.
    let rec shapeOf (e: Expr) : Dims =
        match e with
        | Var(_, s) | Reshape(_, s) | Expand(_, s) -> s
        | Binary(_, a, b) ->
            Dims.broadcast (shapeOf a) (shapeOf b) |> Option.defaultWith (fun () -> failwith $"shapes do not broadcast in {e}")
        | Unary(_, a) | Clone a | Softmax(a, _) | LogSoftmax(a, _) -> shapeOf a
        | SumDim(a, d, k) | MeanDim(a, d, k) ->
            let s = shapeOf a
            let d = if d < 0 then d + s.Length else d   // dims may count from the end, as in PyTorch
            if s.IsEmpty then [] elif k then List.updateAt d 1 s else List.removeAt d s
        | MatMul(a, b) ->
            match shapeOf a, shapeOf b with
            | [ _ ], [ _ ] -> []
            | [ m; _ ], [ _ ] -> [ m ]
            | [ _ ], [ _; n ] -> [ n ]
            | sa, sb ->
                let sa, sb = (if sa.Length = 1 then 1 :: sa else sa), (if sb.Length = 1 then sb @ [ 1 ] else sb)
                let batch = Dims.broadcast (List.take (sa.Length - 2) sa) (List.take (sb.Length - 2) sb) |> Option.get
                batch @ [ sa.[sa.Length - 2]; sb.[sb.Length - 1] ]
        | Transpose(a, d0, d1) ->
            let s = shapeOf a
            s |> List.updateAt d0 s.[d1] |> List.updateAt d1 s.[d0]
        | Slice(a, d, b, e) -> List.updateAt d (e - b) (shapeOf a)

/// Fits a tensor to `target` (the `Var` leaf): itself when the shapes agree; a reshape when the sizes do;
/// else sums over extra leading dims, slices dims that are too large, averages dims that are too small, and
/// expands the rest.
let fit (x: Tensor) (target: Dims) : Tensor =
    let s = Dims.ofTensor x
    if s = target then x
    elif Dims.numel s = Dims.numel target then x.Reshape(Array.ofList target)
    else
        let mutable y = x
        while y.Rank > target.Length do
            y <- y.Sum(0)
        let lead = target.Length - y.Rank
        for d in 0 .. y.Rank - 1 do
            let sd, td = y.Shape.[d], target.[lead + d]
            if sd <> td && sd <> 1 then y <- (if sd > td then y.Slice(d, 0, td) else y.Mean(d, true))
        if Dims.ofTensor y = target then y else y.Expand(Array.ofList target)

/// What evaluation lets a law observe or change: `Node n v` may replace node n's value v (pre-order index);
/// `KinkInput kinks v` sees the argument v of each op with kinks (relu, abs: `UnaryCase.Kinks`), for kink detection.
type Probe =
    { Node: int -> Tensor -> Tensor
      KinkInput: float[] -> Tensor -> unit }

let noProbe = { Node = (fun _ v -> v); KinkInput = fun _ _ -> () }

/// Evaluates `e` on inputs `xs`, calling the probe on every node.
let evaluateWith (probe: Probe) (xs: Tensor[]) (e: Expr) : Tensor =
    let mutable next = 0
    let rec go (e: Expr) : Tensor =
        let me = next
        next <- next + 1
        let value =
            match e with
            | Var(i, s) -> fit xs.[i] s
            | Binary(op, a, b) -> let va = go a in let vb = go b in op.ApplyTotal(va, vb)
            | Unary(op, a) ->
                let va = go a
                let x = match op.Total with null -> va | t -> t.Apply.Invoke va
                if op.Kinks.Length > 0 then probe.KinkInput op.Kinks x
                op.Apply.Invoke x
            | SumDim(a, d, k) -> (go a).Sum(d, k)
            | MeanDim(a, d, k) -> (go a).Mean(d, k)
            | Softmax(a, d) -> (go a).Softmax d
            | LogSoftmax(a, d) -> (go a).LogSoftmax d
            | MatMul(a, b) -> let va = go a in let vb = go b in va.MatMul vb
            | Reshape(a, s) -> (go a).Reshape(Array.ofList s)
            | Transpose(a, d0, d1) -> (go a).Transpose(d0, d1)
            | Slice(a, d, b, s) -> (go a).Slice(d, b, s)
            | Expand(a, s) -> (go a).Expand(Array.ofList s)
            | Clone a -> (go a).Clone()
        if Dims.ofTensor value <> Expr.shapeOf e then
            invalidOp $"generator bug: {e} evaluated to shape {Dims.show (Dims.ofTensor value)}, not {Dims.show (Expr.shapeOf e)}"
        probe.Node me value
    go e

let evaluate (xs: Tensor[]) (e: Expr) : Tensor = evaluateWith noProbe xs e

/// One input: its shape and values.
type Input = { Shape: Dims; Values: float[] }

let private showValues (v: float[]) = "[" + String.Join(", ", v |> Array.map (fun x -> x.ToString("0.###", Globalization.CultureInfo.InvariantCulture))) + "]"

/// A program with its inputs and the weights of its final reduction: `loss = sum(w * body(xs))`.
[<StructuredFormatDisplay("{Display}")>]
type Program =
    { Inputs: Input list
      Body: Expr
      Weights: float[] }

    member p.Display =
        let plain i d = i < p.Inputs.Length && p.Inputs.[i].Shape = d
        let inputs =
            p.Inputs |> List.mapi (fun i x -> $"x{i}: {Dims.show x.Shape} = {showValues x.Values}") |> String.concat "; "
        $"{Expr.Show plain p.Body}  where {inputs}; w = {showValues p.Weights}"

    override p.ToString() = p.Display

    member p.OutputShape = Expr.shapeOf p.Body

    /// Fresh input tensors (leaves), requiring grad or not.
    member p.Tensors(requiresGrad: bool) : Tensor[] =
        p.Inputs |> List.map (fun x -> tensorOf x.Shape x.Values requiresGrad) |> Array.ofList

    member p.WeightTensor = tensorOf p.OutputShape p.Weights false

    /// `sum(w * body(xs))`, with the probe called on every node of the body.
    member p.LossWith (probe: Probe) (xs: Tensor[]) : Tensor = (evaluateWith probe xs p.Body * p.WeightTensor).Sum()

    member p.Loss(xs: Tensor[]) : Tensor = p.LossWith noProbe xs

// ---- program generator -------------------------------------------------------------------------------------

let private fits (s: Dims) = Dims.numel s <= maxNumel && s.Length <= 4

/// An expression of shape `target` over inputs of shapes `shapes` (each leaf fits one), at most `depth` levels deep.
let rec genExpr (shapes: Dims list) (target: Dims) (depth: int) : Gen<Expr> =
    let leaf =
        let exact = shapes |> List.indexed |> List.filter (fun (_, s) -> s = target) |> List.map fst
        let any = Gen.choose (0, shapes.Length - 1) |> Gen.map (fun i -> Var(i, target))
        if exact.IsEmpty then any else Gen.frequency [ 3, Gen.elements exact |> Gen.map (fun i -> Var(i, target)); 1, any ]
    if depth <= 0 then leaf
    else
        let sub t = genExpr shapes t (depth - 1)
        let unary =
            gen {
                let! a = sub target
                let rows g = unaryRows |> List.filter (fun r -> r.Group = g) |> Gen.elements |> Gen.map (fun r -> Unary(r, a))
                return!
                    Gen.frequency
                        [ 4, rows UnaryGroup.Pointwise; 2, rows UnaryGroup.ScalarPower; 1, rows UnaryGroup.TensorScalar; 1, Gen.constant (Clone a) ]
            }
        let binary =
            gen {
                let! other = Gen.frequency [ 1, Gen.constant target; 1, genBroadcastableTo target ]
                let! a = sub target
                let! b = sub other
                let! swap = Gen.elements [ false; true ]
                let a, b = if swap then b, a else a, b
                let! op = Gen.elements (mulRow :: binaryRows)   // mul twice as often, as before the table
                return Binary(op, a, b)
            }
        let reduce =
            gen {
                let! keep = Gen.elements [ false; true ]
                let! k = Gen.choose (1, 3)
                let! mean = Gen.elements [ false; true ]
                let ones = target |> List.indexed |> List.filter (fun (_, d) -> d = 1) |> List.map fst
                let! choice =
                    if keep && not ones.IsEmpty then Gen.elements ones |> Gen.map (fun d -> Some(List.updateAt d k target, d, true))
                    elif target.Length < 4 then Gen.choose (0, target.Length) |> Gen.map (fun d -> Some(List.insertAt d k target, d, false))
                    else Gen.constant None
                let! fromEnd = Gen.elements [ false; false; true ]
                match choice with
                | Some(s, d, kd) when fits s ->
                    let d = if fromEnd then d - s.Length else d
                    let! a = sub s
                    return if mean then MeanDim(a, d, kd) else SumDim(a, d, kd)
                | _ -> return! sub target |> Gen.map (fun a -> Unary(tanhRow, a))
            }
        let softmax =
            gen {
                let! a = sub target
                if target.IsEmpty then return Softmax(a, 0)
                else
                    let! d = Gen.choose (-target.Length, target.Length - 1)
                    let! log = Gen.elements [ false; true ]
                    return if log then LogSoftmax(a, d) else Softmax(a, d)
            }
        let matmul =
            gen {
                let! k = Gen.choose (1, 3)
                let! shapes =
                    match target with
                    | [] -> Gen.constant [ [ k ], [ k ] ]
                    | [ m ] -> Gen.elements [ [ [ m; k ], [ k ] ]; [ [ k ], [ k; m ] ] ]
                    | [ m; n ] -> Gen.constant [ [ m; k ], [ k; n ] ]
                    | [ b; m; n ] -> Gen.elements [ [ [ b; m; k ], [ k; n ] ]; [ [ b; m; k ], [ b; k; n ] ]; [ [ m; k ], [ b; k; n ] ]; [ [ b; m; k ], [ 1; k; n ] ] ]
                    | [ a; b; m; n ] -> Gen.constant [ [ a; b; m; k ], [ b; k; n ] ]
                    | _ -> Gen.constant []
                match shapes |> List.filter (fun (x, y) -> fits x && fits y) with
                | [] -> return! sub target |> Gen.map (fun a -> Unary(sigmoidRow, a))
                | (sa, sb) :: _ ->
                    let! a = sub sa
                    let! b = sub sb
                    return MatMul(a, b)
            }
        let view =
            gen {
                let reshapes =
                    [ yield [ Dims.numel target ]; yield List.rev target; yield 1 :: target
                      if target.Length >= 2 then yield (target.[0] * target.[1]) :: List.skip 2 target ]
                    |> List.filter (fun s -> s <> target && s.Length <= 4)
                let! which = Gen.choose (0, 4)
                match which with
                | 0 when not reshapes.IsEmpty ->
                    let! s = Gen.elements reshapes
                    let! a = sub s
                    return Reshape(a, target)
                | 1 when target.Length >= 2 ->
                    let! d0 = Gen.choose (0, target.Length - 2)
                    let! d1 = Gen.choose (d0 + 1, target.Length - 1)
                    let s = target |> List.updateAt d0 target.[d1] |> List.updateAt d1 target.[d0]
                    let! a = sub s
                    return Transpose(a, d0, d1)
                | 2 when not target.IsEmpty ->
                    let! d = Gen.choose (0, target.Length - 1)
                    let! extra = Gen.choose (0, 2)
                    let! start = Gen.choose (0, extra)
                    let s = List.updateAt d (target.[d] + extra) target
                    if fits s then
                        let! a = sub s
                        return Slice(a, d, start, start + target.[d])
                    else return! sub target |> Gen.map Clone
                | 3 ->
                    let! s = genBroadcastableTo target
                    let! a = sub s
                    return Expand(a, target)
                | _ -> return! sub target |> Gen.map Clone
            }
        Gen.frequency [ 1, leaf; 4, unary; 4, binary; 2, reduce; 1, softmax; 2, matmul; 3, view ]

let genInput: Gen<Input> =
    gen {
        let! s = genDims
        let! v = genValues (Dims.numel s)
        return { Shape = s; Values = v }
    }

/// A program over 1–3 inputs; deeper as FsCheck's size grows (depth 1–5).
let genProgram: Gen<Program> =
    Gen.sized (fun size ->
        gen {
            let! n = Gen.choose (1, 3)
            let! inputs = Gen.listOfLength n genInput
            let! target = Gen.frequency [ 1, genDims; 1, Gen.elements (inputs |> List.map (fun x -> x.Shape)) ]
            let! depth = Gen.choose (1, min 5 (2 + size / 10))
            let! body = genExpr (inputs |> List.map (fun x -> x.Shape)) target depth
            let! w = genWeights (Dims.numel target)
            return { Inputs = inputs; Body = body; Weights = w }
        })

// ---- shrinking -------------------------------------------------------------------------------------------

/// Smaller expressions of the same shape: a leaf, a child of the same shape, or the node with a child shrunk.
let rec shrinkExpr (e: Expr) : seq<Expr> =
    seq {
        let t = Expr.shapeOf e
        match e with
        | Var(i, s) -> if i > 0 then yield Var(0, s)
        | _ ->
            yield Var(0, t)
            for c in Expr.children e do
                if Expr.shapeOf c = t then yield c
            // a float power to one listed before it in the table (pow 0, 1, 2, 3 come first)
            match e with
            | Unary(op, a) when op.Group = UnaryGroup.ScalarPower ->
                for r in Seq.takeWhile (fun (r: UnaryCase) -> r <> op) OpTable.ScalarPowers do
                    yield Unary(r, a)
            | _ -> ()
            let cs = Expr.children e
            for k in 0 .. cs.Length - 1 do
                for c' in shrinkExpr cs.[k] do
                    yield Expr.withChildren e (List.updateAt k c' cs)
    }

/// The same elementwise expression at another output shape, if it is elementwise all the way down to its leaves.
let rec retarget (t: Dims) (e: Expr) : Expr option =
    match e with
    | Var(i, _) -> Some(Var(i, t))
    | Binary _ | Unary _ | Clone _ ->
        let cs = Expr.children e |> List.map (retarget t)
        if List.forall Option.isSome cs then Some(Expr.withChildren e (List.map Option.get cs)) else None
    | _ -> None

let private roundTo (step: float) (v: float[]) = v |> Array.map (fun x -> Math.Round(x / step) * step + 0.0)

/// Smaller programs: a subtree promoted to the whole body, a smaller body, fewer inputs, smaller input
/// shapes, rounder values and weights.
let shrinkProgram (p: Program) : seq<Program> =
    seq {
        // a child (of any shape) as the new body
        for c in Expr.children p.Body do
            yield { p with Body = c; Weights = patternWeights (Dims.numel (Expr.shapeOf c)) }
        for b in shrinkExpr p.Body do
            yield { p with Body = b }
        // a smaller output shape, for an elementwise body
        let out = p.OutputShape
        for t in [ for d in 0 .. out.Length - 1 do
                       yield List.removeAt d out
                       if out.[d] > 1 then yield List.updateAt d (out.[d] - 1) out ] do
            match retarget t p.Body with
            | Some b -> yield { p with Body = b; Weights = Array.truncate (Dims.numel t) p.Weights }
            | None -> ()
        // fewer inputs: drop one and send its uses to x0 (to x1, renumbered x0, when dropping x0)
        for j in p.Inputs.Length - 1 .. -1 .. 0 do
            if p.Inputs.Length > 1 then
                let remap i = if i = j then 0 elif i > j then i - 1 else i
                yield { p with Inputs = List.removeAt j p.Inputs; Body = Expr.mapInputs remap p.Body }
        // smaller input shapes (values: the first ones). Each step lowers (number of elements, number of inputs
        // that need a `fit`, rank) lexicographically, so shrinking terminates.
        for j in 0 .. p.Inputs.Length - 1 do
            let x = p.Inputs.[j]
            let uses = Expr.usesOf j p.Body
            // the shape its uses want, when that needs no more elements: `x0` instead of `fit(x0,[1])`
            match Set.toList uses with
            | [ t ] when t <> x.Shape && Dims.numel t <= Dims.numel x.Shape ->
                yield { p with Inputs = List.updateAt j { Shape = t; Values = Array.truncate (Dims.numel t) x.Values } p.Inputs }
            | _ -> ()
            let plain = uses = Set.singleton x.Shape
            let smaller =
                [ for d in 0 .. x.Shape.Length - 1 do
                      if not plain then yield List.removeAt d x.Shape
                      if x.Shape.[d] > 1 then yield List.updateAt d (x.Shape.[d] - 1) x.Shape ]
            for s in smaller do
                yield { p with Inputs = List.updateAt j { Shape = s; Values = Array.truncate (Dims.numel s) x.Values } p.Inputs }
        // rounder values and weights
        for j in 0 .. p.Inputs.Length - 1 do
            let x = p.Inputs.[j]
            for step in [ 1.0; 0.5; 0.1 ] do
                let r = roundTo step x.Values
                if r <> x.Values then yield { p with Inputs = List.updateAt j { x with Values = r } p.Inputs }
        let ones = Array.create p.Weights.Length 1.0
        if p.Weights <> ones then yield { p with Weights = ones }
    }

/// Programs with shrinking, for `Prop.forAll`.
let programs: Arbitrary<Program> = Arb.fromGenShrink (genProgram, shrinkProgram)

/// A program and one of its nodes (pre-order index).
let programsWithNode: Arbitrary<Program * int> =
    let g =
        gen {
            let! p = genProgram
            let! n = Gen.choose (0, Expr.size p.Body - 1)
            return p, n
        }
    let shrink (p, n) = shrinkProgram p |> Seq.map (fun p' -> p', n % Expr.size p'.Body)
    Arb.fromGenShrink (g, shrink)
