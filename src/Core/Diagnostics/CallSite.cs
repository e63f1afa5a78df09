// Diagnostics infrastructure (issue 8). Internal members other diagnostics (WhyNoGrad, Optimizer.Explain, the DOT
// view in this folder) read:
//
//   CallSite                          public readonly record struct (FilePath, Line, Member); ToString() "File.cs:12";
//                                     IsKnown. Captured with [CallerFilePath]/[CallerLineNumber]/[CallerMemberName].
//   InPlaceWrite                      public readonly record struct (Op, Site, VersionAfter): one tracked write; internal
//                                     Via (CutOrigin?: the Detach()/Data alias written through), ThroughView, Through (text).
//   VersionCounter.Writes             WriteLog? (null until the first tracked write; a side table): the last WriteLog.Capacity (8)
//                                     writes to the storage family that shares the counter; WriteLog.Recent() oldest first,
//                                     WriteLog.Since(version) those that bumped it past `version`.
//   Tensor._origin                    CutOrigin? (property over AutogradMeta.Origin; null for ordinary tensors): why this tensor has no history although
//                                     it was computed from one that had. Set by Detach()/Detach_()/Data (when the source
//                                     required grad), by ops under a user NoGrad/SetGradEnabled(false) scope over inputs
//                                     that require grad, by non-differentiable ops (ArgMax, comparisons, Int64 casts) over
//                                     such inputs, and passed on unchanged by unrecorded ops over a tagged input.
//   CutOrigin                         sealed class: Kind (CutKind: Detach, Detach_, Data, StopGradient, NoGrad,
//                                     NonDifferentiable), Site (CallSite: where Detach()/the NoGrad scope/the op was
//                                     called), Op (string?: the non-differentiable op's name), SourceName (string: grad_fn
//                                     name of the source, "AccumulateGrad" for a leaf), SourceDescription (string),
//                                     (a Detach() of a tensor that requires no grad but carries an origin keeps that origin)
//                                     Source (Node?: the source's grad_fn, or its AccumulateGrad for a leaf; held weakly,
//                                     null once collected), Describe() (e.g. "Detach() at Train.cs:13").
//   Node.Cuts                         CutInput[]? (null when none; a side table, not a field): forward inputs of a recorded op that carried a
//                                     CutOrigin; CutInput = readonly record struct (int Input, CutOrigin Origin, Node? Source):
//                                     Source pins Origin.Source strongly for the life of the consuming graph (use it first).
//   Node.Site                         CallSite: where the op that built the node was called (default when unknown).
//   Node.OpName                       string: the node's name without "Backward0" ("Sigmoid").
//   FunctionNode.Saved                IReadOnlyList<SavedTensor?>; FunctionNode.SavedOutputTensor SavedTensor?
//   FunctionNode.FreedBy              FreedBy? (Api "Backward()"/"Autograd.Grad()", Site): the call that freed its saved tensors.
//   SavedTensor.Site / SavedVersion   CallSite (the saving op's) / int (the version saved); SavedTensor.Peek Tensor?;
//                                     SavedTensor.IsStale (version moved on since saving).
//   Tensor.RequiresGradSite           CallSite (over AutogradMeta.RequiresGradSite): where a leaf's requires-grad flag was last set through a caller-info API
//                                     (RequiresGrad_, Parameter.SetRequiresGrad); default when unknown or never set.
//   GradMode.UserScopeSite            CallSite? (thread-static): the site of the innermost user NoGrad/SetGradEnabled(false);
//                                     read it through GradMode.CurrentUserScopeSite (a static count answers "none" first).
//   WriteLog.Ambient                  (string Op, CallSite Site)? (thread-static): set by Optimizer.Step so its writes log as
//                                     "Adam.Step" at the line that called Step().
//   CallSite.HasAny / CallSite.At     internal: a file:line or at least a member (the F# DSL passes its function's name and
//                                     no file) / " at File.cs:12" or "".
//   Autograd.Reachable(Node?)         HashSet<Node>: every node reachable from a root; Autograd.OnPaths(root, target): the
//                                     nodes on some path from root to target (WhyNoGrad.cs).
// Library code that must not leave a diagnostic trail uses Tensor.DetachQuiet() and GradMode.Set(false) (no site).
using System.Runtime.CompilerServices;

namespace Functional;

/// <summary>
/// Where in the user's code a call was made: file, line and member, captured at compile time by the C# caller-info
/// attributes (no stack walk). Printed as <c>Train.cs:12</c>.
/// </summary>
/// <param name="FilePath">The full path of the source file (empty when unknown).</param>
/// <param name="Line">The 1-based line (0 when unknown).</param>
/// <param name="Member">The calling method or property (empty when unknown).</param>
public readonly record struct CallSite(string FilePath, int Line, string Member)
{
    /// <summary>Whether the site was captured (a caller-info API was called from compiled code with its defaults).</summary>
    public bool IsKnown => !string.IsNullOrEmpty(FilePath) && Line > 0;

    /// <summary>Whether anything was captured: a file and line, or at least a member name.</summary>
    internal bool HasAny => IsKnown || !string.IsNullOrEmpty(Member);

    /// <summary><c> at Train.cs:12</c> when known, else empty (for messages that read fine without it).</summary>
    internal string At => IsKnown ? $" at {FileName}:{Line}" : "";

    /// <summary>The file name without its folder, e.g. <c>Train.cs</c>.</summary>
    public string FileName => string.IsNullOrEmpty(FilePath) ? "" : FilePath[(Math.Max(FilePath.LastIndexOf('/'), FilePath.LastIndexOf('\\')) + 1)..];

    /// <summary><c>Train.cs:12</c>; without a file, the member (<c>Mutable.zero (line unknown)</c>: the F# DSL's
    /// functions cannot take caller info and pass their own name), else <c>an unknown place</c>.</summary>
    public override string ToString() =>
        IsKnown ? $"{FileName}:{Line}" : !string.IsNullOrEmpty(Member) ? $"{Member} (line unknown)" : "an unknown place";

    /// <summary>The site of the caller of the method that calls this (for APIs that forward their own caller info).</summary>
    public static CallSite Here([CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "") =>
        new(file, line, member);
}
