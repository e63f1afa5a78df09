namespace Functional.Dsl.Tests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Xunit
open Xunit.Abstractions

/// Keeps the F# docs scripts true: each docs/<name>.fsx runs under `dotnet fsi` against the Functional.Core and
/// Functional.Dsl assemblies next to this test assembly, exits with 0 and prints exactly docs/<name>.fsx.out.
/// docs/fsharp.md shows detach-experiment.fsx and its output; both must be the real ones.
type DocsScriptTests(output: ITestOutputHelper) =

    static let repoRoot =
        let rec up (dir: DirectoryInfo | null) =
            match dir with
            | null -> failwith $"Functional.sln not found above {AppContext.BaseDirectory}"
            | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
            | d -> up d.Parent
        up (DirectoryInfo AppContext.BaseDirectory)

    static let docs = Path.Combine(repoRoot, "docs")
    static let read (path: string) = File.ReadAllText(path).Replace("\r\n", "\n")

    /// The script's text after its `#if !DOCS_TEST ... #endif` header (the #r lines for an interactive run).
    static let body (script: string) =
        let m = Regex.Match(script, @"\A#if !DOCS_TEST\n(?:#r .*\n)+#endif\n")
        Assert.True(m.Success, "a docs script starts with the #if !DOCS_TEST / #r ... / #endif header")
        script.Substring m.Length

    static let timeout = TimeSpan.FromSeconds 120.0

    /// Runs `dotnet fsi` on docs/<name> from the repository root; returns exit code, stdout, stderr and seconds.
    static let runScript (name: string) =
        let dir = AppContext.BaseDirectory
        let dotnet =
            match Environment.GetEnvironmentVariable "DOTNET_HOST_PATH" with
            | null | "" -> "dotnet"
            | path -> path
        let psi = ProcessStartInfo(dotnet, WorkingDirectory = repoRoot, UseShellExecute = false,
                                   RedirectStandardOutput = true, RedirectStandardError = true)
        for arg in [ "fsi"; "--quiet"; "--define:DOCS_TEST"
                     "-r:" + Path.Combine(dir, "Functional.Core.dll"); "-r:" + Path.Combine(dir, "Functional.Dsl.dll")
                     Path.Combine("docs", name) ] do
            psi.ArgumentList.Add arg
        // No first-run banner or telemetry notice on stdout.
        psi.Environment["DOTNET_NOLOGO"] <- "1"
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] <- "1"
        let watch = Stopwatch.StartNew()
        use proc =
            match Process.Start psi with
            | null -> failwith $"could not start {dotnet} fsi"
            | p -> p
        let stdout = proc.StandardOutput.ReadToEndAsync()
        let stderr = proc.StandardError.ReadToEndAsync()
        if not (proc.WaitForExit timeout) then
            proc.Kill true
            failwith $"dotnet fsi docs/{name} did not finish within {timeout.TotalSeconds} s"
        proc.WaitForExit()
        proc.ExitCode, stdout.Result.Replace("\r\n", "\n"), stderr.Result, watch.Elapsed.TotalSeconds

    /// Every docs/*.fsx.
    static member Scripts: obj array seq =
        Directory.GetFiles(docs, "*.fsx") |> Seq.sort |> Seq.map (fun f -> [| FileInfo(f).Name :> obj |])

    [<Theory; MemberData(nameof DocsScriptTests.Scripts)>]
    member _.``each docs script runs in dotnet fsi and prints its .fsx.out`` (name: string) =
        let expectedFile = Path.Combine(docs, name + ".out")
        Assert.True(File.Exists expectedFile, $"docs/{name} needs its expected output in docs/{name}.out")
        body (read (Path.Combine(docs, name))) |> ignore
        let code, stdout, stderr, seconds = runScript name
        output.WriteLine $"dotnet fsi docs/{name}: {seconds:F1} s"
        Assert.True((code = 0), $"dotnet fsi docs/{name} exited with {code}:\n{stderr}\n{stdout}")
        Assert.Equal(read expectedFile, stdout)

    [<Fact>]
    member _.``the detach experiment is fewer than 25 lines of F#`` () =
        let code =
            (body (read (Path.Combine(docs, "detach-experiment.fsx")))).Split '\n'
            |> Array.filter (fun l -> l.Trim() <> "" && not (l.TrimStart().StartsWith "//"))
        Assert.True(code.Length < 25, $"detach-experiment.fsx has {code.Length} code lines; keep it under 25")

    [<Fact>]
    member _.``fsharp.md shows the detach experiment's code and output`` () =
        let page = read (Path.Combine(docs, "fsharp.md"))
        let block (fence: string) (after: string) =
            let m = Regex.Match(page, $"{Regex.Escape after}.*?```{fence}\n(.*?)```", RegexOptions.Singleline)
            Assert.True(m.Success, $"docs/fsharp.md has a ```{fence} block after \"{after}\"")
            m.Groups[1].Value
        Assert.Equal(body (read (Path.Combine(docs, "detach-experiment.fsx"))), block "fsharp" "<!-- detach-experiment.fsx -->")
        Assert.Equal(read (Path.Combine(docs, "detach-experiment.fsx.out")), block "text" "<!-- detach-experiment.fsx.out -->")

    /// Every docs page.
    static member Pages: obj array seq =
        Directory.GetFiles(docs, "*.md") |> Seq.sort |> Seq.map (fun f -> [| FileInfo(f).Name :> obj |])

    [<Theory; MemberData(nameof DocsScriptTests.Pages)>]
    member _.``every fsharp block in a docs page is a checked script's header or body`` (page: string) =
        let scripts = Directory.GetFiles(docs, "*.fsx") |> Array.map read
        let headers = scripts |> Array.map (fun s -> s.Substring(0, s.Length - (body s).Length)) |> set
        let bodies = scripts |> Array.map body |> set
        for m in Regex.Matches(read (Path.Combine(docs, page)), "```fsharp\n(.*?)```", RegexOptions.Singleline) do
            let block = m.Groups[1].Value
            Assert.True(headers.Contains block || bodies.Contains block,
                        $"docs/{page}: this fsharp block is neither the header nor the body of a docs/*.fsx script, which the tests run:\n{block}")
