using System.Runtime.CompilerServices;
using System.Globalization;
using Functional.Nn;

namespace Functional.Optim;

// Note [Optimizer Steps]
// Step() runs under NoGrad and, for each parameter whose Grad is not null (PyTorch 2.x skips the others: they
// are not moved and get no state), computes the update with TensorPrimitives on the parameter's dtype and
// writes it with a tracked in-place op (Add_, Copy_). The write bumps the parameter's version counter, so a
// graph that saved the parameter before the step and is walked after it fails with VersionMismatchException,
// as in PyTorch; and since it is in place, every holder of the Parameter (modules, state dicts) sees it.
// Hyperparameters are floats but, like PyTorch's Python floats, they enter the arithmetic as the decimal they
// print as (0.999f is 0.999, not 0.99900001287): bias corrections and step sizes are computed in double and
// each scalar is rounded once to the parameter's dtype where it meets a tensor, as PyTorch does.

/// <summary>
/// The base of the optimizers (<c>torch.optim.Optimizer</c>): a fixed list of parameters, per-parameter state, and a
/// <see cref="Step"/> that updates every parameter that has a gradient.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Parameter[] _params;
    private readonly Dictionary<Parameter, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>An optimizer over <paramref name="parameters"/> (a module's <c>Parameters()</c>).</summary>
    /// <exception cref="ArgumentException">The list is empty or holds a parameter twice.</exception>
    protected Optimizer(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _params = parameters.ToArray();
        if (_params.Length == 0)
            throw new ArgumentException("optimizer got an empty parameter list. Pass the parameters to optimize, e.g. model.Parameters().", nameof(parameters));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _params.Length; i++)
        {
            if (_params[i] is null) throw new ArgumentNullException(nameof(parameters), $"parameter {i} is null.");
            if (!seen.Add(_params[i]))
                throw new ArgumentException(
                    $"optimizer contains a parameter group with duplicate parameters: parameter {i} ({_params[i].Describe()}) appears twice, " +
                    "so each step would update it twice. Pass each parameter once (Module.Parameters() already does).", nameof(parameters));
        }
    }

    /// <summary>The parameters this optimizer updates, in the order given (<c>param_groups[0]['params']</c>).</summary>
    public IReadOnlyList<Parameter> Params => _params;

    /// <summary>
    /// Updates every parameter whose <see cref="Tensor.Grad"/> is not null, under <see cref="Autograd.NoGrad"/>, with tracked
    /// in-place writes (<c>optimizer.step()</c>). A parameter whose Grad is null is skipped: not moved, and it gets no state
    /// (PyTorch 2.x; this is why <c>ZeroGrad()</c>'s default of null differs from zeros, which still decay and carry momentum).
    /// </summary>
    /// <remarks>
    /// Not thread-safe, as in PyTorch: each update reads a parameter (and its state), computes, and writes it back without a
    /// lock, so steps running at once on threads that share parameters (one optimizer, or several over the same parameters)
    /// silently lose updates, and one optimizer stepped from two threads may also corrupt its state. Run the steps one at a
    /// time (a lock around <c>Step</c>), or let the threads run their backward passes (which add into a shared
    /// <see cref="Tensor.Grad"/> under a lock, losing nothing) and call <c>Step</c> once from one thread afterwards.
    /// </remarks>
    /// <param name="callerFile">Filled in by the compiler: where this was called. Each parameter write is logged as
    /// <c>Adam.Step</c> at that site, so a backward that finds a saved parameter modified names the step.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public void Step([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        using var noGrad = GradMode.Set(false);
        var outer = WriteLog.Ambient;
        WriteLog.Ambient = ($"{GetType().Name}.Step", new CallSite(callerFile, callerLine, callerMember));
        try
        {
            foreach (var p in _params)
            {
                if (p.Grad is not { } grad) continue;
                if (!_state.TryGetValue(p, out var state)) _state[p] = state = [];
                Update(p, grad, state);
            }
        }
        finally { WriteLog.Ambient = outer; }
    }

    /// <summary>
    /// Updates one parameter from its gradient, reading and writing its <paramref name="state"/> (empty before its first
    /// update). Called by <see cref="Step"/> under NoGrad, only for parameters that have a gradient. Write the parameter
    /// with tracked in-place ops (<c>Add_</c>, <c>Mul_</c>, <c>Copy_</c>).
    /// </summary>
    protected abstract void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state);

    /// <summary>The keys of a parameter's state once a step has updated it (checked by <see cref="LoadStateDict"/>);
    /// <c>step</c> is a 0-d Float32 count, every other entry has the parameter's shape and dtype.</summary>
    private protected abstract IReadOnlyCollection<string> StateKeys { get; }

    /// <summary>Clears the gradients of all the parameters (<c>optimizer.zero_grad(set_to_none)</c>): to null by default
    /// (PyTorch 2.x), or to zeros in place with <paramref name="setToNone"/> false (1.x's default).</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in _params) p.ClearGrad(setToNone);
    }

    /// <summary>
    /// The state of <paramref name="p"/> (<c>optimizer.state[p]</c>) with PyTorch's keys (<c>step</c>, <c>exp_avg</c>,
    /// <c>exp_avg_sq</c>, <c>momentum_buffer</c>), or null if no step has updated it yet. The tensors are the live state.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor>? StateOf(Parameter p) =>
        _state.TryGetValue(p ?? throw new ArgumentNullException(nameof(p)), out var s) ? s : null;

    /// <summary>
    /// The optimizer's state, flattened for a checkpoint (<c>optimizer.state_dict()['state']</c>): one entry
    /// <c>state.{i}.{key}</c> per state tensor of parameter <c>i</c> of <see cref="Params"/>. The values are
    /// <see cref="Tensor.Detach"/> aliases of the live state.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        for (int i = 0; i < _params.Length; i++)
            if (_state.TryGetValue(_params[i], out var state))
                foreach (var (key, value) in state) d[$"state.{i}.{key}"] = value.DetachQuiet();
        return d;
    }

    /// <summary>
    /// Replaces the optimizer's state with copies of <paramref name="stateDict"/>'s tensors, in <see cref="StateDict"/>'s
    /// layout (<c>optimizer.load_state_dict</c>). Parameters with no entry get no state. Everything is checked first: a key
    /// not of the form <c>state.{i}.{key}</c>, an index out of range, a key this optimizer does not keep, a parameter with
    /// only some of its keys, or a tensor that does not fit (see <see cref="StateKeys"/>) throws and leaves the state as it was.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var loaded = new Dictionary<Parameter, Dictionary<string, Tensor>>(ReferenceEqualityComparer.Instance);
        foreach (var (name, value) in stateDict)
        {
            var parts = name.Split('.', 3);
            if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                throw new ArgumentException($"optimizer state key '{name}' is not of the form state.{{index}}.{{key}}.", nameof(stateDict));
            if (i >= _params.Length)
                throw new ArgumentException($"optimizer state key '{name}' names parameter {i}, but this optimizer has {_params.Length}.", nameof(stateDict));
            var p = _params[i];
            if (!StateKeys.Contains(parts[2]))
                throw new ArgumentException(
                    $"optimizer state key '{name}': {GetType().Name} keeps [{string.Join(", ", StateKeys)}] per parameter, not '{parts[2]}'.", nameof(stateDict));
            bool fits = parts[2] == "step"
                ? value is { Rank: 0, DType: DType.Float32 }
                : value is not null && value.Shape == p.Shape && value.DType == p.DType;
            if (!fits)
                throw new ArgumentException(
                    $"optimizer state '{name}' ({value?.Describe() ?? "null"}) does not fit parameter {i} ({p.Describe()}).", nameof(stateDict));
            if (!loaded.TryGetValue(p, out var state)) loaded[p] = state = [];
            using (GradMode.Set(false)) state[parts[2]] = value!.DetachQuiet().Clone();
        }
        foreach (var (p, state) in loaded)
            if (state.Count != StateKeys.Count)
                throw new ArgumentException(
                    $"optimizer state for parameter {Array.IndexOf(_params, p)} has [{string.Join(", ", state.Keys)}]; {GetType().Name} needs all of " +
                    $"[{string.Join(", ", StateKeys)}].", nameof(stateDict));
        _state.Clear();
        foreach (var (p, state) in loaded) _state[p] = state;
    }

    /// <summary>A float hyperparameter as the double it was written as (<c>0.999f</c> → 0.999), as PyTorch's Python floats are.</summary>
    private protected static double AsDecimal(float value) =>
        float.IsFinite(value) ? double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    /// <summary>Checks a hyperparameter is finite and at least 0 (PyTorch's <c>Invalid ... value</c> errors).</summary>
    private protected static float NonNegative(float value, string what, string paramName) =>
        value >= 0 && float.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}. It must be a finite number >= 0.");

}
