using System.Diagnostics;

namespace Functional.Tests.Packaging;

/// <summary>Runs the <c>dotnet</c> CLI that runs the tests as a child process and captures what it prints.</summary>
internal static class DotnetProcess
{
    /// <summary>The exit code, stdout and stderr of one run (line ends normalised to \n).</summary>
    internal sealed record Result(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
    {
        /// <summary>Everything the command printed, for assertion messages.</summary>
        public string Transcript => $"exit code {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    /// <summary>The host that runs the tests (<c>DOTNET_HOST_PATH</c>, set by the SDK), else <c>dotnet</c> on the PATH.</summary>
    internal static string Host =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    /// <summary>
    /// Runs <c>dotnet args...</c> in <paramref name="workingDirectory"/>. MSBuild variables the test host inherited from
    /// <c>dotnet test</c> are removed so that the child is a plain command-line invocation; first-run banners and
    /// telemetry are off.
    /// </summary>
    internal static Result Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(Host)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                                                            || k.StartsWith("MSBUILD", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        var watch = Stopwatch.StartNew();
        using var proc = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Host}");
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        if (!proc.WaitForExit(timeout))
        {
            proc.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        proc.WaitForExit();
        return new Result(proc.ExitCode, stdout.Result.Replace("\r\n", "\n"), stderr.Result.Replace("\r\n", "\n"), watch.Elapsed);
    }

    /// <summary>
    /// A new folder under the test output (bin/ is ignored by git) for a throwaway project. Empty
    /// Directory.Build.props/targets and Directory.Packages.props stop the repository's central package versions and
    /// build settings from applying to it; nuget.config files above the clone still do.
    /// </summary>
    internal static string NewScratchFolder(string prefix)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(dir, f), "<Project />\n");
        return dir;
    }

    /// <summary>Runs the command and fails with its transcript unless it exits with 0.</summary>
    internal static Result RunChecked(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var r = Run(workingDirectory, timeout, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} in {workingDirectory} failed:\n{r.Transcript}");
        return r;
    }
}
