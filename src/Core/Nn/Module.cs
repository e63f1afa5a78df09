using System.Runtime.CompilerServices;
using System.Text;

namespace Functional.Nn;

// Note [Module Registration]
// A module declares its parameters and child modules by registering them in its constructor
// (RegisterParameter / RegisterModule), the explicit form of what PyTorch's nn.Module.__setattr__ does
// implicitly. The listings follow PyTorch's order: a module's own parameters in registration order, then each
// child's (depth first, children in registration order); printing lists the children in registration order.
// We chose registration over reflection: reflection's field order is not guaranteed by the runtime, it would
// have to guess which fields to follow (a Tensor field that is a constant, a cached Module held by two owners,
// a List<Module>), and it cannot name things the way PyTorch does ("0", "layer1"). A registered slot is fixed:
// a subclass exposes it as a get-only property, and LoadStateDict / optimizers write the values into the
// existing storage, so every holder of a Parameter sees the same tensor.

/// <summary>
/// The base of every layer and model (<c>torch.nn.Module</c>): a function <see cref="Forward"/> plus named parameters
/// and child modules, discovered recursively.
/// </summary>
/// <remarks>
/// Subclasses register their parameters and children in the constructor, in the order they should be listed:
/// <code>
/// sealed class Mlp : Module
/// {
///     public Linear Layer1 { get; }
///     public Linear Layer2 { get; }
///     public Mlp() { Layer1 = RegisterModule("layer1", new Linear(4, 8)); Layer2 = RegisterModule("layer2", new Linear(8, 2)); }
///     public override Tensor Forward(Tensor x) => Layer2.Forward(Layer1.Forward(x).Relu());
/// }
/// </code>
/// Its <see cref="NamedParameters"/> are then <c>layer1.weight</c>, <c>layer1.bias</c>, <c>layer2.weight</c>, <c>layer2.bias</c>.
/// </remarks>
public abstract class Module
{
    private readonly List<(string Name, Parameter? Value)> _parameters = [];
    private readonly List<(string Name, Module Value)> _children = [];

    /// <summary>Computes the module's output (<c>module(x)</c> / <c>forward</c>).</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>Whether the module is in training mode (<c>module.training</c>); true after construction.
    /// Changed for the whole tree by <see cref="Train"/> and <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    // ---- registration ---------------------------------------------------------------------------------

    /// <summary>
    /// Registers <paramref name="parameter"/> under <paramref name="name"/> and returns it (<c>register_parameter</c>).
    /// A null parameter reserves the name (PyTorch's <c>bias=None</c>) and is skipped by every listing.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains a dot, or is already registered.</exception>
    protected T RegisterParameter<T>(string name, T parameter) where T : Parameter?
    {
        CheckNewName(name, "parameter");
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers the child <paramref name="module"/> under <paramref name="name"/> and returns it
    /// (<c>register_module</c> / <c>add_module</c>). Its parameters are listed as <c>name.param</c>.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains a dot, or is already registered.</exception>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this))
            throw new ArgumentException($"{GetType().Name} cannot register itself as its child \"{name}\".", nameof(module));
        CheckNewName(name, "module");
        _children.Add((name, module));
        return module;
    }

    private void CheckNewName(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
            throw new ArgumentException($"{kind} name can't be empty string \"\" (registering on {GetType().Name}).", nameof(name));
        if (name.Contains('.'))
            throw new ArgumentException($"{kind} name can't contain \".\", got \"{name}\" (registering on {GetType().Name}): dots separate the levels of a dotted name.", nameof(name));
        if (_parameters.Exists(p => p.Name == name) || _children.Exists(c => c.Name == name))
            throw new ArgumentException($"attribute '{name}' already exists on {GetType().Name}; register each parameter and child module under its own name.", nameof(name));
    }

    // ---- discovery ------------------------------------------------------------------------------------

    /// <summary>This module's direct children with their names, in registration order (<c>named_children()</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children.Select(c => (c.Name, c.Value));

    /// <summary>This module's direct children, in registration order (<c>children()</c>).</summary>
    public IEnumerable<Module> Children() => _children.Select(c => c.Value);

    /// <summary>This module (named <c>""</c>) and every module below it, depth first, each once, with dotted names
    /// (<c>named_modules()</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", seen);

        static IEnumerable<(string, Module)> Walk(Module m, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var (name, child) in m._children)
                foreach (var x in Walk(child, prefix.Length == 0 ? name : prefix + "." + name, seen))
                    yield return x;
        }
    }

    /// <summary>This module and every module below it, each once (<c>modules()</c>).</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>
    /// Every parameter of this module and its descendants with its dotted name (<c>layer1.weight</c>), each parameter once
    /// even when shared (<c>named_parameters()</c>). As in PyTorch, a module's own parameters come first, in registration
    /// order, then each child's, depth first.
    /// </summary>
    public IEnumerable<(string Name, Parameter P)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in AllNamedParameters())
            if (seen.Add(p)) yield return (name, p);
    }

    /// <summary>Every parameter of this module and its descendants, each once (<c>parameters()</c>); what an optimizer takes.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.P);

    /// <summary>Every registered, non-null parameter under every path it is reachable by (a shared module or parameter
    /// repeats), as <c>state_dict</c> lists them.</summary>
    private IEnumerable<(string Name, Parameter P)> AllNamedParameters()
    {
        var path = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", path);

        static IEnumerable<(string, Parameter)> Walk(Module m, string prefix, HashSet<Module> path)
        {
            if (!path.Add(m))
                throw new InvalidOperationException($"{m.GetType().Name} at \"{prefix}\" contains itself: a module tree cannot have cycles.");
            foreach (var (name, p) in m._parameters)
                if (p is not null) yield return (prefix + name, p);
            foreach (var (name, child) in m._children)
                foreach (var x in Walk(child, prefix + name + ".", path))
                    yield return x;
            path.Remove(m);
        }
    }

    // ---- modes and gradients --------------------------------------------------------------------------

    /// <summary>Sets training mode on this module and every descendant and returns this module (<c>module.train(mode)</c>).
    /// Layers such as <see cref="Dropout"/> behave differently in training and evaluation.</summary>
    public Module Train(bool on = true)
    {
        foreach (var m in Modules()) m.Training = on;
        return this;
    }

    /// <summary>Sets evaluation mode on this module and every descendant (<c>module.eval()</c>, same as <c>Train(false)</c>).</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Clears the gradients of every parameter, frozen ones included (<c>module.zero_grad(set_to_none)</c>): to null by
    /// default, as in PyTorch 2.x, or to zeros in place with <paramref name="setToNone"/> false (1.x's default). The
    /// difference matters to optimizers: a null gradient is skipped, a zero gradient still applies weight decay and momentum.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters()) p.ClearGrad(setToNone);
    }

    /// <summary>Sets <see cref="Parameter.RequiresGrad"/> on every parameter and returns this module
    /// (<c>module.requires_grad_(on)</c>). <c>RequiresGrad_(false)</c> freezes the module: backward no longer fills its gradients.</summary>
    /// <param name="on">The new flag.</param>
    /// <param name="callerFile">Filled in by the compiler: where this was called, for diagnostics.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public Module RequiresGrad_(bool on = true, [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                [CallerMemberName] string callerMember = "")
    {
        foreach (var p in Parameters()) p.SetRequiresGrad(on, callerFile, callerLine, callerMember);
        return this;
    }

    // ---- state dict -----------------------------------------------------------------------------------

    /// <summary>
    /// The parameters by dotted name, in <see cref="NamedParameters"/>' order but with a shared parameter under each of its
    /// names (<c>module.state_dict()</c>). As in PyTorch each value is a
    /// <see cref="Tensor.Detach"/> alias of the parameter: it shares its storage, so a later optimizer step changes it too.
    /// <c>Clone()</c> the values for a snapshot.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, p) in AllNamedParameters()) d[name] = p.DetachQuiet();
        return d;
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/>'s tensors into the parameters of the same names (<c>module.load_state_dict(sd)</c>,
    /// strict). The copies are tracked in-place writes made under <see cref="Autograd.NoGrad"/> into the existing storage,
    /// so every holder of a parameter (an optimizer, a tied layer) sees the new values.
    /// </summary>
    /// <exception cref="Io.StateDictMismatchException">A key is missing or unexpected, or a tensor's shape or dtype differs
    /// from its parameter's (PyTorch converts dtypes silently; this refuses). The message names every such key, with both
    /// shapes or dtypes; nothing is copied.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var parameters = AllNamedParameters().ToDictionary(p => p.Name, p => (Tensor)p.P);
        Io.StateDicts.CopyInto(parameters, stateDict, strict: true, targetName: GetType().Name);
    }

    // ---- printing -------------------------------------------------------------------------------------

    /// <summary>The text between the parentheses of this module's repr, e.g. <c>in_features=2, out_features=3, bias=True</c>
    /// (<c>extra_repr()</c>). Empty by default.</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>PyTorch's module repr: <c>Linear(in_features=2, out_features=3, bias=True)</c>, and for a module with
    /// children one indented <c>(name): child</c> line each.</summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        if (_children.Count == 0) return $"{GetType().Name}({extra})";
        var sb = new StringBuilder(GetType().Name).Append('(');
        if (extra.Length > 0) sb.Append("\n  ").Append(extra.Replace("\n", "\n  "));
        foreach (var (name, child) in _children)
            sb.Append("\n  (").Append(name).Append("): ").Append(child.ToString().Replace("\n", "\n  "));
        return sb.Append("\n)").ToString();
    }
}
