namespace Functional.Io;

/// <summary>What <see cref="StateDicts.CopyInto"/> skipped when not strict (PyTorch's <c>_IncompatibleKeys</c>).</summary>
/// <param name="MissingKeys">Names in the target that the source lacks (left unchanged).</param>
/// <param name="UnexpectedKeys">Names in the source that the target lacks (ignored).</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>Operations on state dicts: names mapped to tensors, as <c>Module.StateDict()</c> returns them.</summary>
public static class StateDicts
{
    /// <summary>
    /// Copies each tensor of <paramref name="source"/> into the tensor of the same name in <paramref name="target"/>,
    /// in place under <see cref="Autograd.NoGrad"/> with <see cref="Tensor.Copy_"/>, so the target tensors (e.g. a
    /// module's parameters, and any optimizer holding them) keep their identity. PyTorch: <c>module.load_state_dict(source, strict)</c>.
    /// </summary>
    /// <remarks>
    /// Everything is checked before anything is copied: shapes and dtypes must match exactly (no conversion), and with
    /// <paramref name="strict"/> the names must match too. All differences are reported in one
    /// <see cref="StateDictMismatchException"/>, in PyTorch's wording.
    /// </remarks>
    /// <param name="target">The tensors to overwrite.</param>
    /// <param name="source">The values to copy (e.g. <see cref="Safetensors.Load(string)"/>'s result).</param>
    /// <param name="strict">Whether missing and unexpected names are errors (otherwise they are returned).</param>
    /// <param name="sourceName">What to call the source in the error message (e.g. the checkpoint's path).</param>
    /// <exception cref="StateDictMismatchException">Names (when strict), shapes or dtypes differ; nothing was copied.</exception>
    /// <param name="targetName">What to call the target in the error message (e.g. the module's type name).</param>
    public static StateDictLoadResult CopyInto(IReadOnlyDictionary<string, Tensor> target, IReadOnlyDictionary<string, Tensor> source,
                                               bool strict = true, string? sourceName = null, string? targetName = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var mismatches = new List<string>();
        var mismatchedKeys = new List<string>();
        foreach (var (name, dst) in target)
        {
            if (!source.TryGetValue(name, out var src)) continue;
            string? problem =
                src is null ? $"null tensor for {name}: the checkpoint holds no tensor, the shape in current model is {dst.Shape}." :
                src.Shape != dst.Shape ? $"size mismatch for {name}: copying a param with shape {src.Shape} from checkpoint, the shape in current model is {dst.Shape}." :
                src.DType != dst.DType ? $"dtype mismatch for {name}: copying a param of dtype {src.DType} from checkpoint, the dtype in current model is {dst.DType}; convert it with To(DType.{dst.DType}) first." :
                null;
            if (problem is null) continue;
            mismatches.Add(problem);
            mismatchedKeys.Add(name);
        }

        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            var errors = new List<string>();
            if (strict && missing.Count > 0) errors.Add($"Missing key(s) in state_dict: {Quote(missing)}. ");
            if (strict && unexpected.Count > 0) errors.Add($"Unexpected key(s) in state_dict: {Quote(unexpected)}. ");
            errors.AddRange(mismatches);
            string @for = targetName is null ? "" : $" for {targetName}";
            string from = sourceName is null ? "" : $" from '{sourceName}'";
            throw new StateDictMismatchException(
                $"Error(s) in loading state_dict{@for}{from}:\n\t{string.Join("\n\t", errors)}\nNothing was copied.",
                missing, unexpected, mismatches, mismatchedKeys);
        }

        using (GradMode.Set(false))
            foreach (var (name, dst) in target)
                if (source.TryGetValue(name, out var src))
                    dst.Copy_(src);
        return new StateDictLoadResult(missing, unexpected);
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));
}
