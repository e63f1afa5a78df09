using System.Collections.Concurrent;
using Functional.Nn;

namespace Functional.Tests;

/// <summary>
/// Thread safety (issue 6): grad mode is per thread, independent graphs built and walked on parallel threads give the
/// results a sequential run gives (bit for bit), GEMMs issued from several threads at once are right, and shared leaves
/// and hooks lose no update. Expected values are the sequential run's own results, hand counts, or the exact (Float64)
/// sum with Higham's bound for float summation in any order.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;

    /// <summary>Runs <paramref name="body"/>(thread) on <paramref name="threads"/> dedicated threads started together.</summary>
    private static void OnThreads(int threads, Action<int> body)
    {
        var errors = new ConcurrentQueue<Exception>();
        var start = new Barrier(threads);
        var ts = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try { start.SignalAndWait(); body(t); }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToList();
        ts.ForEach(t => t.Start());
        ts.ForEach(t => t.Join());
        if (!errors.IsEmpty) throw new AggregateException(errors);
    }

    [Fact]
    public void Grad_mode_is_per_thread()
    {
        // torch.no_grad() is thread-local: another thread keeps recording.
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var phase = new Barrier(2);
        var seen = new bool[4];
        OnThreads(2, t =>
        {
            if (t == 0)
            {
                using (Autograd.NoGrad())
                {
                    phase.SignalAndWait();                      // 1: thread 0 is inside NoGrad
                    seen[0] = Autograd.IsGradEnabled;
                    seen[1] = (x * 2f).RequiresGrad;
                    phase.SignalAndWait();                      // 2: both have looked
                }
            }
            else
            {
                phase.SignalAndWait();
                seen[2] = Autograd.IsGradEnabled;
                seen[3] = (x * 2f).RequiresGrad;
                phase.SignalAndWait();
            }
        });
        Assert.Equal([false, false, true, true], seen);
        Assert.True(Autograd.IsGradEnabled);   // the test thread was never affected
    }

    [Fact]
    public void A_new_thread_starts_with_grad_mode_on_whatever_its_creator_set()
    {
        bool inner = false;
        using (Autograd.NoGrad())
        {
            var t = new Thread(() => inner = Autograd.IsGradEnabled);
            t.Start();
            t.Join();
        }
        Assert.True(inner);   // PyTorch: grad mode is thread-local and defaults to enabled in a new thread
    }

    /// <summary>One of four workload kinds, fully determined by <paramref name="i"/>: the flattened results.</summary>
    private static float[] Workload(int i)
    {
        var gen = new Generator(1000 + i);
        var results = new List<float>();
        switch (i % 4)
        {
            case 0:   // MLP forward + backward (cross-entropy), as a training step
            {
                var model = new Sequential(new Linear(16, 32, gen: gen), new ReLU(), new Linear(32, 10, gen: gen));
                var x = Tensor.Randn([8, 16], gen);
                var y = Tensor.From(Enumerable.Range(0, 8).Select(k => (long)((k + i) % 10)).ToArray());
                var loss = new CrossEntropyLoss().Forward(model.Forward(x), y);
                loss.Backward();
                results.Add(loss.Item());
                foreach (var p in model.Parameters()) results.AddRange(p.Grad!.ToArray());
                break;
            }
            case 1:   // seed-like graph: views, tracked in-place ops, a hook, a retained grad
            {
                var x = Tensor.Randn([6], gen).RequiresGrad_();
                var a = x.Sigmoid();
                a.RegisterHook(g => g * 2f);
                var b = a.Clone();
                var b2 = b.Mul_(3f);
                var h = (b2.Slice(0, 1, 4) * a.Slice(0, 0, 3)).RetainGrad();
                var loss = h.Sum() + x.Tanh().Pow(2f).Sum();
                loss.Backward();
                results.Add(loss.Item());
                results.AddRange(x.Grad!.ToArray());
                results.AddRange(h.Grad!.ToArray());
                break;
            }
            case 2:   // Autograd.Grad with createGraph: first and second derivatives
            {
                var x = Tensor.Randn([5], gen).RequiresGrad_();
                var w = Tensor.Randn([5, 5], gen);
                var f = (x.Unsqueeze(0).MatMul(w).Tanh().Exp()).Sum();
                var g = Autograd.Grad([f], [x], createGraph: true)[0]!;
                var gg = Autograd.Grad([g.Pow(2f).Sum()], [x])[0]!;
                results.AddRange(g.ToArray());
                results.AddRange(gg.ToArray());
                break;
            }
            default:  // a product large enough for the threaded GEMM, and its backward
            {
                var a = Tensor.Randn([96, 128], gen).RequiresGrad_();
                var b = Tensor.Randn([128, 112], gen).RequiresGrad_();
                var c = a.MatMul(b);
                (c * c).Mean().Backward();
                results.AddRange(c.ToArray());
                results.AddRange(a.Grad!.ToArray());
                results.AddRange(b.Grad!.ToArray());
                break;
            }
        }
        return [.. results];
    }

    [Fact]
    public void Workloads_on_eight_threads_equal_the_sequential_run_bit_for_bit()
    {
        const int n = 400;
        var sequential = Enumerable.Range(0, n).Select(Workload).ToArray();
        var parallel = new float[n][];
        int next = -1;
        OnThreads(Threads, _ =>
        {
            for (int i = Interlocked.Increment(ref next); i < n; i = Interlocked.Increment(ref next)) parallel[i] = Workload(i);
        });
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(sequential[i].Length, parallel[i].Length);
            for (int k = 0; k < sequential[i].Length; k++)
                if (BitConverter.SingleToInt32Bits(sequential[i][k]) != BitConverter.SingleToInt32Bits(parallel[i][k]))
                    Assert.Fail($"workload {i} (kind {i % 4}) element {k}: sequential {sequential[i][k]:R}, parallel {parallel[i][k]:R}");
        }
    }

    [Fact]
    public void One_model_shared_by_eight_threads_for_inference_gives_the_sequential_outputs()
    {
        // Forward passes only read the parameters; each thread runs under its own NoGrad.
        var model = new Sequential(new Linear(64, 128, gen: new Generator(3)), new ReLU(), new Linear(128, 10, gen: new Generator(4)));
        var inputs = Enumerable.Range(0, 160).Select(i => Tensor.Randn([32, 64], new Generator(i))).ToArray();
        float[][] expected;
        using (Autograd.NoGrad()) expected = inputs.Select(x => model.Forward(x).ToArray()).ToArray();
        var got = new float[inputs.Length][];
        int next = -1;
        OnThreads(Threads, _ =>
        {
            using var noGrad = Autograd.NoGrad();
            for (int i = Interlocked.Increment(ref next); i < inputs.Length; i = Interlocked.Increment(ref next))
                got[i] = model.Forward(inputs[i]).ToArray();
        });
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(expected[i], got[i]);
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Overlapping_GEMMs_from_several_threads_are_each_correct()
    {
        // ForkJoin has one job slot: a job published while another runs may be missed by the workers, and its caller
        // then runs every part alone. Results must not depend on that. Reference: the same products run one at a time.
        const int perThread = 12;
        var inputs = Enumerable.Range(0, Threads * perThread).Select(i =>
        {
            var g = new Generator(i);
            int m = 64 + i % 5 * 16, k = 128 + i % 3 * 32, n = 96 + i % 4 * 16;   // each above the threading threshold
            return (A: Tensor.Randn([m, k], g), B: Tensor.Randn([k, n], g));
        }).ToArray();
        var expected = inputs.Select(p => p.A.MatMul(p.B).ToArray()).ToArray();
        var got = new float[inputs.Length][];
        OnThreads(Threads, t =>
        {
            for (int j = 0; j < perThread; j++) { int i = t * perThread + j; got[i] = inputs[i].A.MatMul(inputs[i].B).ToArray(); }
        });
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(expected[i], got[i]);
    }

    [Fact]
    public void A_shared_leaf_accumulates_every_thread_s_backward_within_the_summation_bound()
    {
        // 320 backward calls add x_i into w.Grad in whatever order the threads reach the lock. Any order of a float sum
        // of n terms is within gamma_(n-1) * sum |x_i| of the exact sum (Higham, Accuracy and Stability, eq. 4.4), with
        // gamma_m = m u / (1 - m u) and u = 2^-24; the exact sum is taken in Float64 (exact for 320 floats of this size
        // to far below the bound).
        const int calls = 320;
        var xs = Enumerable.Range(0, calls).Select(i => Tensor.Randn([64], new Generator(i))).ToArray();
        var w = Tensor.Zeros(64).RequiresGrad_();
        int next = -1;
        OnThreads(Threads, _ =>
        {
            for (int i = Interlocked.Increment(ref next); i < calls; i = Interlocked.Increment(ref next))
                (w * xs[i]).Sum().Backward();
        });
        double u = Math.Pow(2, -24), gamma = (calls - 1) * u / (1 - (calls - 1) * u);
        var grad = w.Grad!.ToArray();
        for (int k = 0; k < 64; k++)
        {
            double exact = 0, abs = 0;
            foreach (var x in xs) { double v = x.ToArray()[k]; exact += v; abs += Math.Abs(v); }
            Assert.InRange(grad[k], exact - gamma * abs, exact + gamma * abs);
        }
    }

    [Fact]
    public void Concurrent_backward_through_one_graph_either_succeeds_or_reports_it_freed()
    {
        // Without retainGraph the first walk frees saved tensors; a walk racing it must see GraphFreedException (the
        // engine's check before running, or the saved tensor read once), never a null saved tensor. Every walk that
        // succeeded added exactly d/dw sum(w * w * 3) = 6 w = [6, 12] (hand derivation).
        for (int round = 0; round < 40; round++)
        {
            var w = Tensor.From([1f, 2f], requiresGrad: true);
            var loss = (w * w * 3f).Sum();
            int ok = 0;
            OnThreads(4, _ =>
            {
                try { loss.Backward(); Interlocked.Increment(ref ok); }
                catch (GraphFreedException) { }
            });
            Assert.InRange(ok, 1, 4);
            Assert.Equal([6f * ok, 12f * ok], w.Grad!.ToArray());
        }
    }

    [Fact]
    public void Threads_walking_one_array_of_tensors_in_lockstep_keep_every_hook()
    {
        // Two threads register a hook on each of 20,000 fresh tensors, meeting at every tensor (a spinning rendezvous),
        // so they often both find its hook list missing: the race in creating that list.
        var xs = Enumerable.Range(0, 20_000).Select(_ => Tensor.Scalar(1f, requiresGrad: true)).ToArray();
        int arrived = 0;
        OnThreads(2, _ =>
        {
            for (int i = 0; i < xs.Length; i++)
            {
                Interlocked.Increment(ref arrived);
                var spin = new SpinWait();
                while (Volatile.Read(ref arrived) < 2 * (i + 1)) spin.SpinOnce(sleep1Threshold: -1);
                xs[i].RegisterHook(g => null);
            }
        });
        var lost = xs.Count(x => x._meta.Hooks!.Count != 2);
        Assert.Equal(0, lost);
    }

    [Fact]
    public void Hooks_registered_concurrently_are_all_kept()
    {
        // Before the fix two threads could each create the hook list of a tensor and one list was lost.
        for (int round = 0; round < 50; round++)
        {
            var x = Tensor.From([1f], requiresGrad: true);
            int calls = 0;
            OnThreads(Threads, _ =>
            {
                for (int j = 0; j < 25; j++) x.RegisterHook(g => { Interlocked.Increment(ref calls); return null; });
            });
            (x * 2f).Sum().Backward();
            Assert.Equal(Threads * 25, calls);
        }
    }
}
