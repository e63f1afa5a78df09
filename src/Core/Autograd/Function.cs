namespace Functional;

/// <summary>
/// A differentiable op defined by its forward and its backward: PyTorch's <c>torch.autograd.Function</c>, JAX's
/// <c>custom_vjp</c>. Subclass it (from any assembly), then call <see cref="Apply"/>:
/// <code>
/// sealed class Softsign() : Function("SoftsignBackward0")
/// {
///     protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
///     {
///         ctx.Save("x", inputs[0]);
///         return inputs[0] / (1f + inputs[0].Abs());
///     }
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad)
///     {
///         var d = 1f + ctx["x"].Abs();
///         return [grad / (d * d)];
///     }
/// }
/// var y = new Softsign().Apply(x);   // y.GradFn.Name == "SoftsignBackward0"
/// </code>
/// The node it records is a built-in op's in every way: saved tensors are version-checked at backward (an in-place
/// write to one after <see cref="FunctionContext.Save"/> fails with <see cref="VersionMismatchException"/>), freed
/// after a backward without retainGraph (a second one fails with <see cref="GraphFreedException"/>), hooks and
/// retained grads see its output's gradient, and under createGraph the backward, written with Tensor ops, is recorded
/// too, so higher derivatives work.
/// </summary>
/// <remarks>
/// <para><see cref="Forward"/> runs with grad mode off, as in PyTorch: the ops inside it record nothing, and the one node
/// this function records stands for all of them. It may return a fresh tensor or one of its inputs.</para>
/// <para><see cref="Backward"/> gets the gradient of the output and returns one gradient per input, in order: null where
/// an input needs none (<see cref="FunctionContext.NeedsInputGrad"/> says which do) or the gradient is zero. A gradient
/// of a broadcast shape is summed back to its input's shape and a gradient of another dtype is converted, as PyTorch
/// does; any other shape, or the wrong number of gradients, throws <see cref="AutogradException"/> naming the function.</para>
/// <para>An instance may carry settings (a slope, an axis) in its fields: one instance can be applied any number of
/// times, from any thread, since each call's state lives in its own <see cref="FunctionContext"/>.</para>
/// </remarks>
public abstract class Function
{
    /// <summary>A function whose node is named <paramref name="name"/> (its grad_fn name, e.g. <c>SoftsignBackward0</c>).</summary>
    protected Function(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The name of the node this function records (<c>y.GradFn.Name</c>).</summary>
    public string Name { get; }

    /// <summary>Computes the output from <paramref name="inputs"/> (grad mode is off). Save what the backward needs with
    /// <see cref="FunctionContext.Save"/> and settings with <see cref="FunctionContext.Set{T}"/>.</summary>
    protected abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);

    /// <summary>The vector-Jacobian product: from the gradient of the output, one gradient per input (null: none or zero).
    /// Read saved tensors with <c>ctx["name"]</c>. Write it with Tensor ops so that createGraph can differentiate it.</summary>
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    /// <summary>Runs the function on <paramref name="inputs"/> and, when grad mode is on and some input requires grad,
    /// records its node (<c>Function.apply</c>).</summary>
    /// <exception cref="SupersededTensorException">An input was superseded by an in-place op.</exception>
    /// <exception cref="AutogradException">Forward returned null.</exception>
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{Name}: input {i} is null.");
        var args = (Tensor[])inputs.Clone();
        bool record = Graph.ShouldRecord(args);
        var needs = new bool[args.Length];
        for (int i = 0; i < args.Length; i++) needs[i] = record && args[i].RequiresGrad;
        var ctx = new FunctionContext(this, needs);
        Tensor output;
        using (GradMode.Set(false)) output = Forward(ctx, args)
            ?? throw new AutogradException($"{Name}: Forward returned null; it must return the output tensor.");
        ctx.Sealed = true;
        if (!record)
        {
            Graph.PassOnOrigin(output, args);
            return output;
        }
        var shapes = new int[args.Length][];
        var dtypes = new DType[args.Length];
        var devices = new Device[args.Length];
        for (int i = 0; i < args.Length; i++) (shapes[i], dtypes[i], devices[i]) = (args[i]._shape, args[i].DType, args[i].Device);
        var (save, saveOutput, names) = ctx.TakeSaved(output);
        var result = Graph.Record(output, Name, args, (g, saved) =>
        {
            var grads = Backward(new FunctionContext(ctx, saved), g)
                ?? throw new AutogradException($"{Name}: Backward returned null; it must return one gradient (or null) per input.");
            if (grads.Length != shapes.Length)
                throw new AutogradException($"function {Name} returned an incorrect number of gradients (expected {shapes.Length}, got {grads.Length}).");
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is { } gi && saved.NeedsGrad(i)) grads[i] = Conform(gi, i, shapes[i], dtypes[i], devices[i]);
            return grads;
        }, save, saveOutput);
        if (result._gradFn is FunctionNode node) node.SavedNames = names;
        return result;
    }

    private Tensor Conform(Tensor g, int i, int[] shape, DType dtype, Device device)
    {
        if (g.Device != device)
            throw new AutogradException($"Function {Name} returned an invalid gradient at index {i} - expected device {device} but got {g.Device}.");
        if (!g._shape.AsSpan().SequenceEqual(shape))
        {
            if (Shape.TryBroadcast(shape, g._shape) is not { } b || !b.AsSpan().SequenceEqual(g._shape))
                throw new AutogradException(
                    $"Function {Name} returned an invalid gradient at index {i} - got {Shape.Format(g._shape)} but expected shape compatible with {Shape.Format(shape)}. " +
                    "Each gradient must have its input's shape (or a shape it broadcasts to, which is summed back).");
            g = g.SumToShape(shape);
        }
        return g.DType == dtype ? g : g.To(dtype);
    }
}

/// <summary>
/// What one call of a <see cref="Function"/> keeps for its backward (PyTorch's <c>ctx</c>): tensors saved by name (checked
/// for in-place writes when read back), settings, and which inputs need a gradient.
/// </summary>
public sealed class FunctionContext
{
    private readonly Function _function;
    private readonly bool[] _needs;
    private readonly List<(string Name, Tensor Tensor)> _toSave = [];
    private readonly Dictionary<string, object?> _values = [];
    private readonly Dictionary<string, int> _slots;   // name -> index into the node's saved tensors (-1: the output)
    private readonly SavedValues _saved;
    private readonly bool _backward;

    internal FunctionContext(Function function, bool[] needs)
    {
        _function = function;
        _needs = needs;
        _slots = [];
    }

    /// <summary>The backward's view of a forward's context: the same names and settings over the unpacked saved tensors.</summary>
    internal FunctionContext(FunctionContext forward, SavedValues saved)
    {
        _function = forward._function;
        _needs = forward._needs;
        _values = forward._values;
        _slots = forward._slots;
        _saved = saved;
        _backward = true;
        Sealed = true;
    }

    /// <summary>Set once Forward has returned: saving or setting after that is refused.</summary>
    internal bool Sealed { get; set; }

    /// <summary>Whether input <paramref name="index"/> needs a gradient in this call (<c>ctx.needs_input_grad</c>): false for all
    /// inputs when nothing is recorded.</summary>
    public bool NeedsInputGrad(int index) => _needs[index];

    /// <summary>Saves <paramref name="tensor"/> under <paramref name="name"/> for the backward
    /// (<c>ctx.save_for_backward</c>), with its version: an in-place write to it before the backward makes the backward fail
    /// with <see cref="VersionMismatchException"/>. Save an input or the output itself (not a tensor computed on the side,
    /// which PyTorch also refuses to track); the output is recognised and saved as the output.</summary>
    public void Save(string name, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(tensor);
        CheckForward(name);
        if (_toSave.Exists(s => s.Name == name) || _values.ContainsKey(name))
            throw new ArgumentException($"{_function.Name}: '{name}' is already saved in this call.", nameof(name));
        _toSave.Add((name, tensor));
    }

    /// <summary>Keeps a setting (a shape, a scalar, a flag) under <paramref name="name"/> for the backward (<c>ctx.x = ...</c>).</summary>
    public void Set<T>(string name, T value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CheckForward(name);
        if (_toSave.Exists(s => s.Name == name))
            throw new ArgumentException($"{_function.Name}: '{name}' is already a saved tensor in this call.", nameof(name));
        _values[name] = value;
    }

    /// <summary>A setting kept by <see cref="Set{T}"/>.</summary>
    public T Get<T>(string name) =>
        _values.TryGetValue(name, out var v) ? (T)v! : throw new KeyNotFoundException($"{_function.Name}: no setting named '{name}' was kept in Forward (ctx.Set).");

    /// <summary>The tensor saved under <paramref name="name"/> (backward only; <c>ctx.saved_tensors</c>), after checking that no
    /// in-place write changed it since it was saved.</summary>
    public Tensor this[string name]
    {
        get
        {
            if (!_backward)
                throw new InvalidOperationException($"{_function.Name}: saved tensors are read in Backward; in Forward use the tensor itself.");
            if (!_slots.TryGetValue(name, out int slot))
                throw new KeyNotFoundException($"{_function.Name}: no tensor named '{name}' was saved in Forward (ctx.Save).");
            return slot < 0 ? _saved.Result : _saved[slot];
        }
    }

    private void CheckForward(string name)
    {
        if (Sealed)
            throw new InvalidOperationException($"{_function.Name}: '{name}' can only be saved or set while Forward runs.");
    }

    /// <summary>The tensors to save, in slot order, and whether the output is among them; fixes the name → slot map.</summary>
    internal (Tensor?[] Save, bool SaveOutput, string[] Names) TakeSaved(Tensor output)
    {
        var save = new List<Tensor?>();
        var names = new List<string>();
        bool saveOutput = false;
        foreach (var (name, t) in _toSave)
        {
            if (ReferenceEquals(t, output)) { _slots[name] = -1; saveOutput = true; continue; }
            _slots[name] = save.Count;
            save.Add(t);
            names.Add(name);
        }
        return ([.. save], saveOutput, [.. names]);
    }
}
