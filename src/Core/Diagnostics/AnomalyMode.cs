using System.Diagnostics;
using System.Reflection;

namespace Functional;

// Note [Anomaly Mode]
// With anomaly detection on (Autograd.DetectAnomaly(), PyTorch's torch.autograd.detect_anomaly()):
//   - forward: every node recorded on this thread keeps the place in the caller's code that created it
//     (the first stack frame outside Functional.Core). PyTorch keeps the Python traceback the same way.
//     Capturing a stack trace costs microseconds per op, which is why the mode is off by default;
//   - backward: after each node's rule runs, the engine looks at the gradients it returned and throws
//     AnomalyException on the first NaN or infinity, naming the node and where its forward ran.
//     PyTorch checks for NaN only; we also refuse infinities (an Inf gradient is as fatal to training
//     and usually the step before the NaN).
// The mode is per thread, like grad mode (PyTorch's flag is process-wide). A backward that throws has
// committed nothing: leaf accumulators and retained grads are only written after the whole walk succeeded
// (Note [Engine Scheduling]).

// The anomaly-detection switches of Autograd.
public static partial class Autograd
{
    /// <summary>
    /// Turns anomaly detection on for this thread until disposed (<c>with torch.autograd.detect_anomaly():</c>):
    /// nodes recorded meanwhile remember where the forward created them, and a backward that produces a NaN or
    /// infinite gradient throws <see cref="AnomalyException"/> naming the op and that place.
    /// </summary>
    public static IDisposable DetectAnomaly() => AnomalyMode.Set(true);

    /// <summary>Sets anomaly detection on or off on this thread; disposing the result restores the previous setting
    /// (<c>torch.autograd.set_detect_anomaly(mode)</c>).</summary>
    public static IDisposable SetDetectAnomaly(bool on) => AnomalyMode.Set(on);

    /// <summary>Whether anomaly detection is on on this thread (<c>torch.is_anomaly_enabled()</c>).</summary>
    public static bool IsAnomalyEnabled => AnomalyMode.IsEnabled;
}

/// <summary>The per-thread anomaly-detection flag, the forward-site capture and the backward check (Note [Anomaly Mode]).</summary>
internal static class AnomalyMode
{
    [ThreadStatic] private static bool t_enabled;

    // How many threads have the flag on: every recorded op asks IsEnabled, and a plain static read is cheaper than a
    // thread-static one, so the thread's own flag is read only while some thread has it on.
    private static int s_threadsEnabled;

    private static readonly Assembly Core = typeof(AnomalyMode).Assembly;

    public static bool IsEnabled => Volatile.Read(ref s_threadsEnabled) != 0 && t_enabled;

    public static IDisposable Set(bool enabled)
    {
        var scope = new Scope(t_enabled);
        Switch(enabled);
        return scope;
    }

    private static void Switch(bool enabled)
    {
        if (enabled == t_enabled) return;
        t_enabled = enabled;
        if (enabled) Interlocked.Increment(ref s_threadsEnabled);
        else Interlocked.Decrement(ref s_threadsEnabled);
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Switch(previous);
        }
    }

    /// <summary>The first frame of the current stack outside Functional.Core, as <c>Type.Method in File.cs:line N</c>
    /// (file and line when the caller's symbols are available), or null when there is none.</summary>
    public static string? CaptureForwardSite()
    {
        var trace = new StackTrace(1, fNeedFileInfo: true);
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            if (method is null || method.DeclaringType?.Assembly == Core) continue;
            string where = $"{method.DeclaringType?.FullName ?? "?"}.{method.Name}";
            var file = frame.GetFileName();
            return file is null ? where : $"{where} in {Path.GetFileName(file)}:line {frame.GetFileLineNumber()}";
        }
        return null;
    }

    /// <summary>Throws <see cref="AnomalyException"/> if one of the gradients <paramref name="node"/> returned holds a
    /// NaN or an infinity.</summary>
    public static void Check(FunctionNode node, Tensor?[] grads)
    {
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } g) continue;
            var kind = FirstNonFinite(g);
            if (kind is null) continue;
            string where = node.ForwardSite is { } site
                ? $" The forward op that created {node.Name} ran at {site}."
                : $" {node.Name} was recorded while anomaly detection was off" +
                  (node.Site.IsKnown ? $" (its op was called at {node.Site})" : ", so where its forward ran is unknown") +
                  ": turn Autograd.DetectAnomaly() on before the forward too for the full site.";
            throw new AnomalyException(
                $"Function '{node.Name}' returned {kind} values in its {i}th output.{where} " +
                $"Its gradient for input {i} ({g.DType} {Shape.Format(g._shape)}) holds {(kind == "nan" ? "a NaN" : "an infinity")}: look for an op whose " +
                "derivative is not finite there (sqrt or log at 0, division by 0, 0 * inf, exp overflowing). Nothing was accumulated.",
                node.Name, i, kind, node.ForwardSite);
        }
    }

    /// <summary>"nan" if <paramref name="t"/> holds a NaN, else "inf" if it holds an infinity, else null.</summary>
    private static string? FirstNonFinite(Tensor t)
    {
        bool inf = false;
        switch (t.DType)
        {
            case DType.Float32:
                foreach (var v in t.ContiguousSpan<float>())
                {
                    if (float.IsNaN(v)) return "nan";
                    inf |= float.IsInfinity(v);
                }
                break;
            case DType.Float64:
                foreach (var v in t.ContiguousSpan<double>())
                {
                    if (double.IsNaN(v)) return "nan";
                    inf |= double.IsInfinity(v);
                }
                break;
            default:
                return null;
        }
        return inf ? "inf" : null;
    }
}
