using System.IO.Compression;
using System.Xml.Linq;

namespace Functional.Tests.Packaging;

/// <summary>
/// `dotnet pack` gives Functional.Core and Functional.Dsl packages that a fresh C# console project and an F# script
/// (<c>#r "nuget: ..."</c>) can restore from a local folder and run. See <see cref="PackedPackages"/> for the set-up.
/// </summary>
public class PackageTests(PackedPackages packed) : IClassFixture<PackedPackages>
{
    private static string[] Entries(string file)
    {
        using var zip = ZipFile.OpenRead(file);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    private static XElement Nuspec(string file, string id)
    {
        using var zip = ZipFile.OpenRead(file);
        using var s = zip.GetEntry(id + ".nuspec")!.Open();
        return XDocument.Load(s).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Field(XElement metadata, string name) =>
        metadata.Elements().Single(e => e.Name.LocalName == name).Value;

    private string Nupkg(string id, string ext = "nupkg") => Path.Combine(packed.Packages, $"{id}.{packed.Version}.{ext}");

    [Theory]
    [InlineData("Functional.Core")]
    [InlineData("Functional.Dsl")]
    public void Package_holds_the_assembly_its_xml_docs_readme_and_licence(string id)
    {
        var entries = Entries(Nupkg(id));
        foreach (var expected in new[] { $"lib/net10.0/{id}.dll", $"lib/net10.0/{id}.xml", "README.md", "LICENSE" })
            Assert.Contains(expected, entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.Ordinal));   // symbols go in the .snupkg

        var m = Nuspec(Nupkg(id), id);
        Assert.Equal(id, Field(m, "id"));
        Assert.Equal(packed.Version, Field(m, "version"));
        Assert.Equal("The Functional developers", Field(m, "authors"));
        Assert.Equal("MIT", Field(m, "license"));
        Assert.Equal("README.md", Field(m, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field(m, "description")));

        using var zip = ZipFile.OpenRead(Nupkg(id));
        using var licence = new StreamReader(zip.GetEntry("LICENSE")!.Open());
        Assert.Contains("MIT License", licence.ReadToEnd());
        using var docs = new StreamReader(zip.GetEntry($"lib/net10.0/{id}.xml")!.Open());
        Assert.Contains(id == "Functional.Core" ? "M:Functional.Tensor.Backward" : "M:Functional.Dsl", docs.ReadToEnd());
    }

    [Theory]
    [InlineData("Functional.Core")]
    [InlineData("Functional.Dsl")]
    public void Symbol_package_holds_the_pdb(string id) =>
        Assert.Contains($"lib/net10.0/{id}.pdb", Entries(Nupkg(id, "snupkg")));

    [Fact]
    public void Dsl_package_depends_on_the_core_package_of_the_same_version_and_on_FSharp_Core()
    {
        var deps = Nuspec(Nupkg("Functional.Dsl"), "Functional.Dsl").Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
        Assert.Equal(packed.Version, deps["Functional.Core"]);
        Assert.True(deps.ContainsKey("FSharp.Core"));
        var coreDeps = Nuspec(Nupkg("Functional.Core"), "Functional.Core").Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string)e.Attribute("id")!).ToArray();
        Assert.Equal(["System.Numerics.Tensors"], coreDeps);
    }

    [Fact]
    public void A_new_csharp_console_project_restores_Functional_Core_from_the_folder_and_runs()
    {
        var dir = packed.NewConsumerFolder("csharp-app");
        File.WriteAllText(Path.Combine(dir, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Functional.Core" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using System.Globalization;
            using Functional;
            using Functional.Nn;

            var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
            var @out = a.Sigmoid();
            @out.Sum().Backward();
            Console.WriteLine(@out);
            Console.WriteLine(a.Grad);
            Console.WriteLine(string.Join(" ", a.Grad!.ToArray().Select(g => g.ToString("F6", CultureInfo.InvariantCulture))));
            var layer = new Linear(3, 2);
            Console.WriteLine(string.Join(",", layer.Forward(Tensor.Ones(4, 3)).Shape.ToArray()));
            """);
        var r = DotnetProcess.Run(dir, PackedPackages.Timeout, "run", "-c", "Release");
        Assert.True(r.ExitCode == 0, r.Transcript);
        // Hand derivation: d/dx sum(sigmoid(x)) = s(1 - s), s(1) = 0.7310586, s(2) = 0.8807971, s(3) = 0.9525741.
        Assert.Equal("""
            tensor([0.7311, 0.8808, 0.9526], grad_fn=<SigmoidBackward0>)
            tensor([0.1966, 0.1050, 0.0452])
            0.196612 0.104994 0.045177
            4,2
            """.ReplaceLineEndings("\n") + "\n", r.StdOut);
        Assert.True(File.Exists(Path.Combine(packed.GlobalPackages, "functional.core", packed.Version, $"functional.core.{packed.Version}.nupkg")),
                    "the app restored the freshly packed package");
    }

    [Fact]
    public void An_fsharp_script_references_Functional_Dsl_with_a_nuget_directive_and_runs()
    {
        var dir = packed.NewConsumerFolder("fsharp-script");
        var script = Path.Combine(dir, "script.fsx");
        File.WriteAllText(script, $$"""
            #r "nuget: Functional.Dsl, {{packed.Version}}"
            open Functional.Dsl
            let cube (x: Functional.Tensor) = sum (x * x * x)
            printfn "%O" (grad cube (tensor [ 1f; 2f; 3f ]))
            let y, pullback = vjp sigmoid (tensor [ 0f ])
            printfn "%O %O" y (pullback (tensor [ 1f ]))
            printfn "%s" (typeof<Functional.Tensor>.Assembly.GetName().Name)
            """);
        // Run from the repository root: `#r "nuget:"` uses the nuget.config beside the script.
        var r = DotnetProcess.Run(DocsTests.RepoRoot(), PackedPackages.Timeout, "fsi", "--quiet", script);
        Assert.True(r.ExitCode == 0, r.Transcript);
        // Hand derivation: d/dx sum(x^3) = 3x^2; sigmoid(0) = 1/2 and sigmoid'(0) = 1/4.
        Assert.Equal("tensor([ 3., 12., 27.])\ntensor([0.5000]) tensor([0.2500])\nFunctional.Core\n", r.StdOut);
        Assert.True(Directory.Exists(Path.Combine(packed.GlobalPackages, "functional.dsl", packed.Version)),
                    "the script restored the freshly packed package");
    }
}
