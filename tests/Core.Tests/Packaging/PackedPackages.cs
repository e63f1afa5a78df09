using System.Security;

namespace Functional.Tests.Packaging;

/// <summary>
/// Packs Functional.Core and Functional.Dsl once for <see cref="PackageTests"/>, from the build the tests run
/// against, with a version no NuGet cache has seen (<c>0.1.0-test.&lt;guid&gt;</c>), into a folder under the test
/// output, beside a <c>nuget.config</c> whose sources are that folder plus the package folders the repository already
/// restores from (no network). Disposing deletes the folder and the packed versions from the global packages folder.
/// </summary>
public sealed class PackedPackages : IDisposable
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>The version the packages were packed with.</summary>
    public string Version { get; } = "0.1.0-test." + Guid.NewGuid().ToString("N");

    /// <summary>The working folder: <c>packages/</c>, <c>nuget.config</c> and the consumer projects live here.</summary>
    public string Root { get; }

    /// <summary>The local package source holding the packed .nupkg and .snupkg files.</summary>
    public string Packages => Path.Combine(Root, "packages");

    /// <summary>The global packages folder restore extracts into (the repository's own).</summary>
    public string GlobalPackages { get; }

    /// <summary>The configuration the tests were built in (Release in CI): the one that is packed.</summary>
    public string Configuration { get; }

    public PackedPackages()
    {
        string repo = DocsTests.RepoRoot();
        // tests/Core.Tests/bin/<Configuration>/<tfm>/
        Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        Root = DotnetProcess.NewScratchFolder("pack-test");
        Directory.CreateDirectory(Packages);

        // Sources: the packed packages; the global packages folder the repository restores into, as a local feed (the
        // solution's restore has put every dependency of the two packages there, at the versions they name); and the
        // local-folder sources the repository already restores from. Remote sources are left out, so the test needs no
        // network: NuGet fails a restore when any source is unreachable, even if another one has the package.
        GlobalPackages = DotnetProcess.RunChecked(repo, Timeout, "nuget", "locals", "global-packages", "--list").StdOut
            .Trim().Split(':', 2)[1].Trim();
        var localSources = DotnetProcess.RunChecked(repo, Timeout, "nuget", "list", "source", "--format", "short").StdOut
            .Split('\n').Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim())
            .Where(s => Path.IsPathRooted(s) || s.StartsWith("file:", StringComparison.OrdinalIgnoreCase)).ToList();
        var sources = new[] { Packages, GlobalPackages }.Concat(localSources).Distinct().ToList();
        File.WriteAllText(Path.Combine(Root, "nuget.config"),
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{SecurityElement.Escape(GlobalPackages)}" />
              </config>
              <packageSources>
                <clear />
            {string.Concat(sources.Select((s, i) => $"    <add key=\"source{i}\" value=\"{SecurityElement.Escape(s)}\" />\n"))}  </packageSources>
            </configuration>
            """);

        // Pack what the tests were built from; build only when the DSL was not built in this configuration (a run of
        // this test project alone).
        bool built = File.Exists(Path.Combine(repo, "src", "Dsl", "bin", Configuration, "net10.0", "Functional.Dsl.dll"))
                     && File.Exists(Path.Combine(repo, "src", "Core", "bin", Configuration, "net10.0", "Functional.Core.dll"));
        foreach (var project in new[] { "src/Core/Functional.Core.csproj", "src/Dsl/Functional.Dsl.fsproj" })
        {
            var args = new List<string> { "pack", project, "-c", Configuration, "-o", Packages,
                                          "-p:PackageVersion=" + Version, "-p:NuspecOutputPath=" + Path.Combine(Root, "nuspec") + "/" };
            if (built) args.Add("--no-build");
            DotnetProcess.RunChecked(repo, Timeout, [.. args]);
        }
    }

    /// <summary>A fresh folder for one consumer, under <see cref="Root"/> (so it uses the nuget.config above).</summary>
    public string NewConsumerFolder(string name)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        foreach (var id in new[] { "functional.core", "functional.dsl" })
        {
            var dir = Path.Combine(GlobalPackages, id, Version.ToLowerInvariant());
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            var parent = Path.Combine(GlobalPackages, id);
            if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
        }
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
