using System.Diagnostics;

namespace Functional;

/// <summary>
/// Runs the parts 0..n-1 of a job on the calling thread and on a few dedicated worker threads, each part claimed by
/// whichever thread reaches it first. Two properties matter for GEMMs of a few hundred microseconds:
/// <list type="bullet">
/// <item>The caller works from the start and never waits for a worker to be scheduled: on a busy machine, where a woken
/// thread may not run for a millisecond, the caller claims every part itself and a late worker finds nothing left.
/// The caller only waits for parts a worker has already begun.</item>
/// <item>Workers spin (yielding) for a short while after each job before they block, so back-to-back products (a
/// training step, a benchmark loop) find them awake, as OpenBLAS's and OpenMP's thread pools do.</item>
/// </list>
/// A job published while another is running may be missed by the workers; the caller then runs it alone, which is
/// correct, just not parallel.
/// </summary>
internal static class ForkJoin
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 500;   // 2 ms of spinning after a job, then block

    private static readonly object s_startLock = new();
    private static volatile bool s_started;
    private static IJob? s_job;
    private static long s_generation;
    private static int s_sleeping;
    private static readonly ManualResetEventSlim s_wake = new(false);

    /// <summary>The number of threads (the caller included) a job can run on.</summary>
    public static int Threads { get; } = Environment.ProcessorCount;

    /// <summary>Runs <paramref name="body"/>(state, i) for i in [0, parts), on the caller and the workers.</summary>
    public static void Run<TState>(int parts, TState state, Action<TState, int> body)
    {
        if (parts <= 1 || Threads <= 1)
        {
            for (int i = 0; i < parts; i++) body(state, i);
            return;
        }
        EnsureStarted();
        var job = new Job<TState>(parts, state, body);
        Volatile.Write(ref s_job, job);
        Interlocked.Increment(ref s_generation);
        if (Volatile.Read(ref s_sleeping) > 0) s_wake.Set();
        job.Execute();
        job.WaitForStartedParts();
        Interlocked.CompareExchange(ref s_job, null, job);   // do not keep its operands alive
    }

    private static void EnsureStarted()
    {
        if (s_started) return;
        lock (s_startLock)
        {
            if (s_started) return;
            for (int w = 1; w < Threads; w++)
                new Thread(WorkerLoop) { IsBackground = true, Name = $"Functional GEMM worker {w}" }.Start();
            s_started = true;
        }
    }

    private static void WorkerLoop()
    {
        long seen = Volatile.Read(ref s_generation);
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            int spins = 0;
            while (Volatile.Read(ref s_generation) == seen)
            {
                if (++spins % 64 == 0 && Stopwatch.GetTimestamp() - idleSince > SpinTicks)
                {
                    // Sleep until the next job: announce, then re-check, so a job published meanwhile is not missed.
                    Interlocked.Increment(ref s_sleeping);
                    s_wake.Reset();
                    if (Volatile.Read(ref s_generation) == seen) s_wake.Wait();
                    Interlocked.Decrement(ref s_sleeping);
                    idleSince = Stopwatch.GetTimestamp();
                }
                else if (spins % 16 == 0) Thread.Yield();
                else Thread.SpinWait(20);
            }
            seen = Volatile.Read(ref s_generation);
            Volatile.Read(ref s_job)?.Execute();
        }
    }

    private interface IJob
    {
        void Execute();
    }

    private sealed class Job<TState>(int parts, TState state, Action<TState, int> body) : IJob
    {
        private int _next = -1, _finished;
        private Exception? _error;

        /// <summary>Claims and runs parts until none is left.</summary>
        public void Execute()
        {
            for (int i = Interlocked.Increment(ref _next); i < parts; i = Interlocked.Increment(ref _next))
            {
                try { body(state, i); }
                catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
                finally { Interlocked.Increment(ref _finished); }
            }
        }

        /// <summary>After the caller's <see cref="Execute"/> every part is claimed; waits for those still running elsewhere.</summary>
        public void WaitForStartedParts()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) < parts) spin.SpinOnce(sleep1Threshold: -1);
            if (_error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
        }
    }
}
