using System.Diagnostics;
using Functional.Cli;
using Functional.Io;

namespace Functional.Tests;

/// <summary>
/// Checkpoints survive a killed writer (issue 6): a child process runs the hidden <c>checkpoint-stress</c> command
/// (saving 8 MB state dicts to one path in a loop, as <c>train --save</c> does), the test kills it with SIGKILL at
/// random moments, and after every kill the file on disk must load and equal one of the states the child wrote.
/// A kill that leaves the child's temporary file behind landed mid-write; the test counts those.
/// </summary>
public class CheckpointKillTests
{
    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("FUNCTIONAL_KILL_CASES"), out int n) ? n : 40;

    private sealed class Child : IDisposable
    {
        private readonly Process _p;
        private int _writing = -1, _written = -1;

        public Child(string path, int? count = null)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "functional.dll");
            var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("checkpoint-stress");
            psi.ArgumentList.Add(path);
            if (count is int c) { psi.ArgumentList.Add("--count"); psi.ArgumentList.Add(c.ToString()); }
            _p = Process.Start(psi)!;
            _p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                var parts = e.Data.Split(' ');
                if (parts[0] == "writing") Volatile.Write(ref _writing, int.Parse(parts[1]));
                else if (parts[0] == "written") Volatile.Write(ref _written, int.Parse(parts[1]));
            };
            _p.BeginOutputReadLine();
            _p.BeginErrorReadLine();
        }

        public int Writing => Volatile.Read(ref _writing);
        public int Written => Volatile.Read(ref _written);
        public Process Process => _p;

        public void WaitUntil(Func<bool> condition)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                if (_p.HasExited) throw new InvalidOperationException($"checkpoint-stress exited with {_p.ExitCode} early.");
                if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("checkpoint-stress made no progress in 60 s.");
                Thread.Sleep(1);
            }
        }

        public void Kill()
        {
            _p.Kill();   // SIGKILL on Unix: no finally block, no flush
            _p.WaitForExit();
        }

        public void Dispose()
        {
            if (!_p.HasExited) Kill();
            _p.Dispose();
        }
    }

    /// <summary>The save number the file holds, after checking it is exactly <see cref="CheckpointStress.State"/>(that number).</summary>
    private static int LoadAndCheck(string path)
    {
        var loaded = Safetensors.Load(path);
        Assert.Equal(["layer.bias", "layer.weight", "step"], loaded.Keys.Order());
        int step = (int)loaded["step"].ToInt64Array().Single();
        foreach (var (name, t) in CheckpointStress.State(step))
        {
            Assert.Equal(t.Shape, loaded[name].Shape);
            if (t.DType == DType.Float32) Assert.True(Array.TrueForAll(loaded[name].ToArray(), v => v == step), $"'{name}' mixes saves");
        }
        return step;
    }

    private static string[] Temps(string dir) => Directory.GetFiles(dir, ".*.tmp");

    [Fact]
    public void Killing_the_writer_at_random_moments_always_leaves_a_whole_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("functional-kill-").FullName;
        var path = Path.Combine(dir, "model.safetensors");
        try
        {
            var rng = new Random(6);
            int midWrite = 0, kills = Kills, maxAnnounced = 0;
            for (int k = 0; k < kills; k++)
            {
                using var child = new Child(path);
                if (k == 0) child.WaitUntil(() => child.Written >= 0);   // from now on a checkpoint exists
                else child.WaitUntil(() => child.Writing >= 0);
                Thread.Sleep(rng.Next(0, 120));
                child.Kill();
                maxAnnounced = Math.Max(maxAnnounced, child.Writing);

                int step = LoadAndCheck(path);
                Assert.InRange(step, 0, maxAnnounced);
                var temps = Temps(dir);
                Assert.True(temps.Length <= 1, $"after kill {k}: {temps.Length} temporary files; the next save should have removed the older ones.");
                if (temps.Length == 1) midWrite++;
            }
            // A run to completion removes the temporary file the last kill may have left, and writes save 0.
            using (var last = new Child(path, count: 1))
            {
                Assert.True(last.Process.WaitForExit(60_000));
                Assert.Equal(0, last.Process.ExitCode);
            }
            Assert.Equal(0, LoadAndCheck(path));
            Assert.Empty(Temps(dir));
            Assert.True(midWrite >= kills / 4, $"only {midWrite} of {kills} kills landed mid-write; the test would not exercise the atomic save.");
            Console.WriteLine($"checkpoint kill test: {kills} kills, {midWrite} mid-write");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_failed_save_removes_its_temporary_file_and_keeps_the_old_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("functional-save-").FullName;
        var path = Path.Combine(dir, "m.safetensors");
        try
        {
            Safetensors.Save(CheckpointStress.State(1), path);
            Safetensors.BeforeCommit = _ => throw new IOException("disk full (simulated)");
            try { Assert.Throws<IOException>(() => Safetensors.Save(CheckpointStress.State(2), path)); }
            finally { Safetensors.BeforeCommit = null; }
            Assert.Empty(Temps(dir));
            Assert.Equal(1, LoadAndCheck(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Save_removes_abandoned_temporary_files_of_its_target_only()
    {
        var dir = Directory.CreateTempSubdirectory("functional-temps-").FullName;
        var path = Path.Combine(dir, "m.safetensors");
        try
        {
            var abandoned = Path.Combine(dir, $".m.safetensors.{Guid.NewGuid():N}.tmp");
            var other = Path.Combine(dir, $".other.safetensors.{Guid.NewGuid():N}.tmp");
            var notOurs = Path.Combine(dir, ".m.safetensors.user-notes.tmp");
            var bare = Path.Combine(dir, ".m.safetensors.tmp");   // the glob's * matches nothing here
            var upper = Path.Combine(dir, $".m.safetensors.{Guid.NewGuid():N}.tmp".ToUpperInvariant().Replace(".M.SAFETENSORS.", ".m.safetensors.").Replace(".TMP", ".tmp"));
            var busy = Path.Combine(dir, $".m.safetensors.{Guid.NewGuid():N}.tmp");
            foreach (var f in new[] { abandoned, other, notOurs, bare, upper, busy }) File.WriteAllText(f, "x");
            using (new FileStream(busy, FileMode.Open, FileAccess.ReadWrite, FileShare.None))   // a writer still at work
                Safetensors.Save(CheckpointStress.State(3), path);
            Assert.False(File.Exists(abandoned));
            Assert.True(File.Exists(other));
            Assert.True(File.Exists(notOurs));
            Assert.True(File.Exists(bare));
            Assert.True(File.Exists(upper));
            Assert.True(File.Exists(busy));
            Assert.Equal(3, LoadAndCheck(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
