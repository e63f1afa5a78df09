namespace Functional;

// Note [Engine Scheduling]
// Backward walks the graph by dependency counts, not recursion: a node runs once every node that feeds
// it a gradient has run, so a 100,000-node chain needs no deep stack. Among ready nodes the most
// recently created runs first (PyTorch's sequence-number order). The walk has three phases:
//   1. discover the nodes reachable from the roots and count their incoming edges;
//   2. check every node that will run (saved tensors present, versions unchanged) before running any;
//   3. run the rules, then commit leaf accumulators and retained grads only after the whole walk worked.
// So a backward that fails leaves every accumulator as it was. Saved tensors are released node by node
// (without retainGraph) as soon as the node has run.

/// <summary>The backward engine behind <see cref="Tensor.Backward"/> and <see cref="Autograd.Grad"/>.</summary>
internal static class Engine
{
    private static long _walks;   // the last walk's id: ids are unique across threads (Note [Gradient Accumulation])

    /// <summary>Runs backward from <paramref name="roots"/>. With <paramref name="inputs"/> it returns their
    /// gradients and touches no accumulator; without, it accumulates into leaves and returns null.</summary>
    public static Tensor?[]? Run(Tensor[] roots, Tensor?[] rootGrads, bool keepGraph, bool createGraph,
                                 Tensor[]? inputs, bool allowUnused, FreedBy? freedBy = null)
    {
        // ---- roots and their gradients ----
        var rootNodes = new Node[roots.Length];
        var seeds = new Tensor[roots.Length];
        for (int i = 0; i < roots.Length; i++)
        {
            var root = roots[i];
            if (!root.RequiresGrad)
                throw new NoGradFnException(
                    $"element {i} of tensors does not require grad and does not have a grad_fn. " +
                    $"This tensor ({root.Describe()}) is not connected to any leaf that requires grad: it was detached, computed " +
                    "under NoGrad, or computed only from tensors that do not require grad. Call Backward on a result of the tensor that requires grad." +
                    (root._origin is { } cut ? $" Here its history was cut by {cut.Describe()} (of {cut.SourceDescription})." : ""));
            root.CheckNotSuperseded();   // its grad_fn describes values it no longer holds
            seeds[i] = SeedGradient(root, rootGrads[i], i);
            rootNodes[i] = root._gradFn ?? AccumulatorOf(root);
        }

        // ---- what to capture (Autograd.Grad) ----
        Dictionary<Node, List<int>>? captureAt = null;
        if (inputs is not null)
        {
            captureAt = new(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < inputs.Length; i++)
            {
                var x = inputs[i];
                if (!x.RequiresGrad)
                    throw new AutogradException($"One of the differentiated Tensors does not require grad. Input {i} ({x.Describe()}) does not; " +
                                                "call RequiresGrad_() on it before computing the outputs.");
                var node = x._gradFn ?? AccumulatorOf(x);
                if (!captureAt.TryGetValue(node, out var list)) captureAt[node] = list = [];
                list.Add(i);
            }
        }

        // ---- phase 1: discover and count dependencies ----
        var deps = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var order = new List<Node>();   // discovery order; reversed post-order below for "needed"
        var stack = new Stack<(Node Node, int NextIndex)>();
        foreach (var r in rootNodes)
        {
            if (deps.ContainsKey(r)) continue;
            deps[r] = 0;
            stack.Push((r, 0));
            while (stack.Count > 0)
            {
                var (n, k) = stack.Pop();
                if (k < n.Next.Length)
                {
                    stack.Push((n, k + 1));
                    var child = n.Next[k];
                    if (child is null) continue;
                    if (deps.TryGetValue(child, out int c)) deps[child] = c + 1;
                    else { deps[child] = 1; stack.Push((child, 0)); }
                }
                else order.Add(n);    // post-order: children before parents
            }
        }

        // In capture mode only nodes on a path to an input need to run.
        HashSet<Node>? needed = null;
        if (captureAt is not null)
        {
            for (int i = 0; i < inputs!.Length; i++)
            {
                var node = inputs[i]._gradFn ?? AccumulatorOf(inputs[i]);
                if (!deps.ContainsKey(node) && !allowUnused)
                    throw new AutogradException(
                        "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior. " +
                        $"Input {i} ({inputs[i].Describe()}) is not reachable from the outputs; pass allowUnused: true to get null for it.");
            }
            needed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
            foreach (var n in order)   // post-order: a node's children are decided before it
            {
                bool need = captureAt.ContainsKey(n);
                foreach (var c in n.Next) if (c is not null && needed.Contains(c)) { need = true; break; }
                if (need) needed.Add(n);
            }
        }

        // ---- phase 2: check before running anything ----
        foreach (var n in order)
            if (n is FunctionNode fn && RunsRule(fn, needed)) fn.CheckCanRun();

        // ---- phase 3: run ----
        var buffers = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < rootNodes.Length; i++) AddTo(buffers, rootNodes[i], seeds[i]);
        var captured = inputs is null ? null : new Tensor?[inputs.Length];
        var leafGrads = new List<(AutogradMeta Meta, Tensor Grad)>();
        var ready = new PriorityQueue<Node, long>();
        foreach (var r in rootNodes)
            if (deps[r] == 0 && !ready.UnorderedItems.Any(e => ReferenceEquals(e.Element, r))) ready.Enqueue(r, -r.Sequence);

        bool anomaly = AnomalyMode.IsEnabled;
        CancellationTokenSource? abandoned = null;   // created when a gradient-ready hook first fires; cancelled if the walk fails
        long outerStamp = Storage.CurrentStamp;   // a walk running a hook that runs a walk (Note [Gradient Accumulation])
        long walk = Interlocked.Increment(ref _walks);
        Storage.CurrentStamp = walk;
        try
        {
            using (GradMode.Set(createGraph))
            {
                while (ready.Count > 0)
                {
                    var node = ready.Dequeue();
                    buffers.Remove(node, out var grad);

                    if (node is AccumulateGrad acc)
                    {
                        if (grad is null) continue;
                        if (acc.LeafMeta.Hooks is not null) { Expose(grad, walk); grad = RunHooks(acc.LeafMeta, grad, acc); Expose(grad, walk); }
                        if (captureAt is not null)
                        {
                            if (captureAt.TryGetValue(acc, out var idx)) foreach (var i in idx) captured![i] = grad;
                        }
                        else
                        {
                            leafGrads.Add((acc.LeafMeta, grad));
                            if (acc.LeafMeta.ReadyHooks is not null) { Expose(grad, walk); RunReadyHooks(acc, grad, abandoned ??= new CancellationTokenSource()); }
                        }
                        continue;
                    }

                    var fn = (FunctionNode)node;
                    Tensor?[]? inputGrads = null;
                    if (grad is not null)
                    {
                        Expose(grad, walk);   // a rule may pass it on (AddBackward0 sends it to both inputs)
                        if (fn.OutputMeta is { } meta)
                        {
                            grad = RunHooks(meta, grad, fn);
                            Expose(grad, walk);
                            if (meta.RetainsGrad && captureAt is null) leafGrads.Add((meta, grad));
                        }
                        if (captureAt is not null && captureAt.TryGetValue(fn, out var idx))
                            foreach (var i in idx) captured![i] = grad;
                        if (RunsRule(fn, needed))
                        {
                            inputGrads = fn.Apply(grad);
                            if (anomaly) AnomalyMode.Check(fn, inputGrads);   // Note [Anomaly Mode]
                        }
                    }
                    if (inputGrads is not null && !keepGraph) fn.Release(freedBy ??= new FreedBy(inputs is null ? "Backward()" : "Autograd.Grad()", default));   // only nodes that ran free their saved tensors

                    for (int j = 0; j < fn.Next.Length; j++)
                    {
                        var child = fn.Next[j];
                        if (child is null) continue;
                        var g = inputGrads?[j];
                        if (g is not null && (needed is null || needed.Contains(child)))
                            AddTo(buffers, child, Conform(g, fn, j));
                        int left = deps[child] - 1;
                        deps[child] = left;
                        if (left == 0) ready.Enqueue(child, -child.Sequence);
                    }
                }

                // ---- commit ----
                if (captured is not null)
                {
                    if (!allowUnused)
                        for (int i = 0; i < captured.Length; i++)
                            if (captured[i] is null)
                                throw new AutogradException(
                                    "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior. " +
                                    $"No gradient reached input {i} ({inputs![i].Describe()}); pass allowUnused: true to get null for it.");
                    if (!createGraph)
                        for (int i = 0; i < captured.Length; i++)
                            if (captured[i] is { RequiresGrad: true } c) captured[i] = c.DetachQuiet();
                    return captured;
                }
                var delivered = new Dictionary<Storage, int>(ReferenceEqualityComparer.Instance);
                foreach (var (_, g) in leafGrads) delivered[g._storage] = delivered.GetValueOrDefault(g._storage) + 1;
                foreach (var (meta, g) in leafGrads)
                    Accumulate(meta, g, createGraph, owned: IsOwned(g, walk, delivered));
                return null;
            }
        }
        catch
        {
            abandoned?.Cancel();   // Note [Gradient Ready]: work started on this walk's gradients is to be dropped
            throw;
        }
        finally { Storage.CurrentStamp = outerStamp; }
    }

    /// <summary>Whether <paramref name="g"/> is a gradient this walk allocated and gave to one place only: its storage
    /// is new in this walk, it covers that storage exactly, it never reached a rule or a hook, and no other accumulator
    /// or retained grad receives it. (Only storages this walk allocated are marked, and no other thread can see them
    /// before the walk ends, so the mark needs no lock.)</summary>
    private static bool IsOwned(Tensor g, long walk, Dictionary<Storage, int> delivered) =>
        g._storage.AllocationStamp == walk && !g._storage.Exposed && g._offset == 0 && g._isContiguous &&
        g.NumElements == g._storage.Length && delivered[g._storage] == 1;

    private static void Expose(Tensor g, long walk)
    {
        if (g._storage.AllocationStamp == walk) g._storage.Exposed = true;
    }

    private static bool RunsRule(FunctionNode fn, HashSet<Node>? needed)
    {
        if (needed is null) return true;
        foreach (var c in fn.Next) if (c is not null && needed.Contains(c)) return true;
        return false;
    }

    private static Tensor SeedGradient(Tensor root, Tensor? given, int i)
    {
        if (given is null)
        {
            if (root.NumElements != 1)
                throw new NonScalarBackwardException(
                    "grad can be implicitly created only for scalar outputs. " +
                    $"Output {i} ({root.Describe()}) has {root.NumElements} elements: pass the gradient of the loss with respect to it " +
                    "(the vector of the vector-Jacobian product) as Backward(gradient), or reduce it first, e.g. y.Sum().Backward().");
            return Tensor.OnesLike(root);
        }
        if (!given._shape.AsSpan().SequenceEqual(root._shape))
            throw new ShapeMismatchException(
                $"Mismatch in shape: grad_output[{i}] has a shape of {Shape.Format(given._shape)} and output[{i}] has a shape of {Shape.Format(root._shape)}. " +
                "The gradient passed to Backward must have the output's shape.");
        if (given.DType != root.DType)
            throw new DTypeMismatchException($"Mismatch in dtype: grad_output[{i}] is {given.DType} and output[{i}] is {root.DType}.");
        return given;
    }

    internal static AccumulateGrad AccumulatorOf(Tensor leaf)
    {
        var meta = leaf._meta;
        if (meta.Accumulator is { } a) return a;
        lock (meta)
            return meta.Accumulator ??= new AccumulateGrad(leaf);
    }

    private static void AddTo(Dictionary<Node, Tensor> buffers, Node node, Tensor g) =>
        buffers[node] = buffers.TryGetValue(node, out var existing) ? existing + g : g;

    /// <summary>Sums a gradient back to a broadcast input's shape and casts it to the input's dtype.</summary>
    private static Tensor Conform(Tensor g, FunctionNode fn, int j)
    {
        if (fn.InputShapes?[j] is { } shape && !g._shape.AsSpan().SequenceEqual(shape)) g = g.SumToShape(shape);
        if (fn.InputDTypes is { } dtypes && g.DType != dtypes[j]) g = g.To(dtypes[j]);
        return g;
    }

    // Note [Gradient Ready]
    // A leaf's gradient for this walk is complete when its AccumulateGrad node comes off the ready queue: every edge
    // into it has delivered. Backward() then calls the leaf's gradient-ready hooks (Tensor.RegisterGradReadyHook) with
    // that gradient, while the rest of the graph is still being walked, so a caller can start work on it (data-parallel
    // training starts all-reducing a bucket). The accumulator itself keeps the all-or-nothing rule: Grad is written
    // only after the whole walk succeeded. If the walk fails after a hook fired, the walk's token is cancelled and no
    // accumulator changes: work the hooks started must be dropped. Autograd.Grad fills no accumulator and fires none.
    private static void RunReadyHooks(AccumulateGrad acc, Tensor grad, CancellationTokenSource abandoned)
    {
        if (acc.LeafMeta.ReadyHooks is not { } hooks || !acc.Leaf.TryGetTarget(out var leaf)) return;
        Action<GradReady>[] snapshot;
        lock (hooks) snapshot = [.. hooks];
        var ready = new GradReady(leaf, grad, abandoned.Token);
        foreach (var h in snapshot) h(ready);
    }

    /// <summary>Runs the hooks registered on the tensor whose gradient <paramref name="owner"/> receives (a leaf's
    /// accumulator, or the node that produced a non-leaf). A hook runs before any accumulator is committed, so one that
    /// throws, or returns a gradient of another dtype, device or shape, leaves every Grad as it was.</summary>
    private static Tensor RunHooks(AutogradMeta meta, Tensor grad, Node owner)
    {
        if (meta.Hooks is not { } hooks) return grad;
        AutogradMeta.HookEntry[] snapshot;
        lock (hooks) snapshot = [.. hooks];
        foreach (var h in snapshot)
        {
            var replaced = h.Hook(grad);
            if (replaced is null) continue;
            CheckHookResult(h.Hook, grad, replaced, owner);
            grad = replaced;
        }
        return grad;
    }

    /// <summary>PyTorch's check_variable_result: a hook may replace a gradient only by one of the same dtype, device and
    /// shape (else a Float32 leaf could be left holding a Float64 Grad).</summary>
    private static void CheckHookResult(Delegate hook, Tensor grad, Tensor result, Node owner)
    {
        string? change =
            result.DType != grad.DType || result.Device.Type != grad.Device.Type ? $"the type of value (was {TypeName(grad)} got {TypeName(result)})"
            : result.Device != grad.Device ? $"the device of value (was {grad.Device} got {result.Device})"
            : !result._shape.AsSpan().SequenceEqual(grad._shape) ? "the size of value"
            : null;
        if (change is null) return;
        string registeredOn = owner is AccumulateGrad acc && acc.Leaf.TryGetTarget(out var leaf) ? leaf.Describe()
            : $"{grad.DType} {Shape.Format(grad._shape)}" + (owner is AccumulateGrad ? " (leaf, requires grad)" : $" (grad_fn={owner.Name})");
        throw new AutogradException(
            $"hook '{HookName(hook)}' has changed {change}. The hook registered on {registeredOn} returned a {Description(result)} " +
            $"gradient for a {Description(grad)} one. Return a gradient of the same dtype, device and shape as the one the hook " +
            "receives (convert it with To, reshape it with Reshape), or null to keep that gradient.");

        static string TypeName(Tensor t) =>   // PyTorch's Tensor.type(): torch.FloatTensor, torch.cuda.DoubleTensor
            $"torch.{(t.Device.Type == DeviceType.Cpu ? "" : "cuda.")}{t.DType.ScalarTypeName()}Tensor";
        static string Description(Tensor t) =>
            $"{t.DType} {Shape.Format(t._shape)}" + (t.Device.Type == DeviceType.Cpu ? "" : $" on {t.Device}");
    }

    /// <summary>A hook's name as PyTorch prints a function's <c>__name__</c>: the method's name, or <c>&lt;lambda&gt;</c>
    /// for a lambda (whose compiler-made name means nothing to its author).</summary>
    private static string HookName(Delegate hook)
    {
        var name = hook.Method.Name;
        return name.Contains('<') || name.Contains('@') || name == "Invoke" ? "<lambda>" : name;
    }

    // Note [Gradient Accumulation]
    // The first gradient is stored as a fresh copy when the engine's tensor may be shared (an AddBackward0 sends
    // one tensor to both inputs, a seed is the user's own tensor, a sum's gradient is a stride-0 expand, a hook
    // may keep what it saw). A gradient the walk allocated itself and handed to this leaf alone is stored as it
    // is (see IsOwned): no copy of every weight gradient on every step (PyTorch steals such a buffer too).
    // Later gradients are added in place under no-grad (PyTorch's `grad += new`), so `Grad` stays the same
    // accumulator object; with createGraph they are added out of place so the sum keeps its graph.
    // Accumulation is locked per leaf: concurrent backward passes that share a leaf lose no update.
    //
    // How the walk knows which storages it allocated: the Tensors layer gives every Storage an allocation stamp
    // (Storage.AllocationStamp), copied when it is constructed from the thread-static Storage.CurrentStamp, 0 by
    // default. Run sets CurrentStamp to its walk id for the duration of the walk and restores the outer value after, so
    // a walk nested in a hook stamps its own storages and the outer walk's stamp is back when the hook returns. Walk ids
    // come from one Interlocked counter, unique across threads, so a storage stamped with this walk's id was allocated
    // by this walk, on this thread; one allocated on another thread carries that thread's stamp, never this walk's id,
    // and is copied, as is anything else the walk cannot prove it owns. The stamp is a neutral hook of the Tensors
    // layer, which knows nothing of walks: Storage names no Autograd type, and the cost per op is one thread-static read
    // per allocation and 8 bytes per Storage, as before (Storage's layout and size are unchanged). Rejected: the engine
    // keeping its own set of the storages it allocated needs a callback on every allocation, and a ConditionalWeakTable
    // entry per allocation costs more than a tiny op itself.
    private static void Accumulate(AutogradMeta meta, Tensor g, bool createGraph, bool owned)
    {
        lock (meta)
        {
            if (meta.Grad is null)
                meta.Grad = createGraph ? g.Clone() : owned ? g.DetachQuiet() : g.DetachQuiet().Clone();
            else if (createGraph)
                meta.Grad = meta.Grad + g;
            else
                using (GradMode.Set(false)) meta.Grad = meta.Grad.Add_(g);
        }
    }
}
