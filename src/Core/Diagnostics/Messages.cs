namespace Functional;

/// <summary>The sentences that diagnostics add to autograd errors: where a tensor was saved and written.</summary>
internal static class Diagnostics
{
    /// <summary>
    /// E.g. <c>the Float32 [3] tensor was saved by Sigmoid at Train.cs:12 (version 0); modified by Zero_ through a Detach()
    /// alias created at Train.cs:13, written at Train.cs:14 (version 1).</c>
    /// </summary>
    public static string StaleSaveHint(Tensor t, Node consumer, CallSite savedAt, int savedVersion, out InPlaceWrite[] writes)
    {
        var log = t._version.Writes;
        writes = log?.Since(savedVersion) ?? [];
        string saved = $"the {t.DType} {Shape.Format(t._shape)} tensor was saved by {consumer.OpName}" +
                       savedAt.At + $" (version {savedVersion})";
        if (writes.Length == 0)
            return saved + "; the writes since then were not logged (only the last 8 tracked writes to a storage are kept).";
        string modified = string.Join("; then ", writes.Select(w => w.ToString()));
        bool missing = writes[0].VersionAfter != savedVersion + 1;
        return saved + "; modified by " + modified + (missing ? " (earlier writes not logged)" : "") + ".";
    }
}
