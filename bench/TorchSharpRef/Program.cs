using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

// The libtorch 2.10 peer of bench/compare.sh (issue 19): bench/torch_ref.py's workloads, with the same definitions, in
// TorchSharp 0.107 (libtorch 2.10.0, CPU). Prints the same tab-separated lines as torch_ref.py, so compare.sh reads both
// the same way:
//     info    <key>   <value>
//     result  <id>    <median ns>   <runs>   [extra]
// Usage: TorchSharpRef [--min-time S] [--only gemm,step,tiny,elementwise]
// Each call of a workload runs in its own torch.NewDisposeScope(), so its intermediate tensors are freed when it returns,
// as Python's reference counting frees them in torch_ref.py. The scalars of the chains are made once (Python makes a
// number object per op; TorchSharp would make a native Scalar per op otherwise), so the peer is timed at its best.
// On Debian 12 libLibTorchSharp.so does not load as shipped (it asks for GLIBCXX_3.4.32): the project's build patches
// its own output copy with bench/weaken_glibcxx.py; see bench/README.md, "The libtorch peer".

const int Threads = 2;
const int Nodes = 10_000, OpsPerChain = 2 * Nodes;
const int StepsPerRun = 100;   // TrainStep: back to the initial weights and a fresh Adam every 100 steps (as TrainStepBenchmarks)
int[] gemmSizes = [256, 512, 1024, 2048];
int[] batches = [64, 256];
int[] elementwiseSizes = [1_024, 16_384, 262_144, 4_194_304];
string[] allGroups = ["gemm", "step", "tiny", "elementwise"];

double minTime = 1.0;
var groups = new HashSet<string>(allGroups);
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--min-time" && i + 1 < args.Length) minTime = double.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--only" && i + 1 < args.Length) groups = new HashSet<string>(args[++i].Split(','));
    else { Console.Error.WriteLine($"TorchSharpRef: unknown argument {args[i]}"); return 2; }
}
var unknown = groups.Except(allGroups).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"TorchSharpRef: unknown group(s) {string.Join(", ", unknown)}; the groups are {string.Join(", ", allGroups)}");
    return 2;
}

torch.set_num_threads(Threads);
torch.manual_seed(0);
Info("libtorch", torch.__version__);
Info("torchsharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?");
Info("libtorch_threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture));

// SGEMM: torch.mm of two n x n float32 matrices, no grad
if (groups.Contains("gemm"))
    foreach (int n in gemmSizes)
    {
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        var (sec, runs) = Measure(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            torch.mm(a, b);
        }, minTime);
        Result($"Sgemm(N={n})", sec, runs, Inv($"gflops={2.0 * n * n * n / sec / 1e9:F1}"));
        a.Dispose(); b.Dispose();
    }

// The seed MLP's training step: forward, zero_grad (to None), backward, Adam step; reset every StepsPerRun steps
if (groups.Contains("step"))
    foreach (int batch in batches)
    {
        var model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10));
        model.train();
        var initial = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var opt = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var lossFn = nn.CrossEntropyLoss();
        var x = torch.rand(batch, 784);
        var y = torch.randint(0, 10, [batch]);
        int steps = 0;
        var (sec, runs) = Measure(() =>
        {
            if (++steps % StepsPerRun == 0)
            {
                model.load_state_dict(initial);
                opt.Dispose();
                opt = torch.optim.Adam(model.parameters(), lr: 1e-3);
            }
            using var scope = torch.NewDisposeScope();
            var loss = lossFn.forward(model.forward(x), y);
            model.zero_grad(set_to_none: true);   // the optimizer's zero_grad() here only zeroes; the module's sets the grads to None, as torch_ref.py does
            loss.backward();
            opt.step();
        }, minTime);
        Result($"TrainStep(Batch={batch})", sec, runs);
        opt.Dispose(); model.Dispose();
    }

// Tiny-op chain: 10,000 nodes x = x*1.0001 + 0.0001 from a 0-d leaf that requires grad, then backward; time per op
if (groups.Contains("tiny"))
{
    var leaf = torch.tensor(1.0f, requires_grad: true);
    Scalar mul = 1.0001f, add = 0.0001f;
    var (sec, runs) = Measure(() =>
    {
        using var scope = torch.NewDisposeScope();
        var x = leaf;
        for (int i = 0; i < Nodes; i++) x = x * mul + add;
        x.backward();
    }, minTime);
    Result("TinyOpChain", sec / OpsPerChain, runs);
}

// Elementwise chain, no grad: (t * 2 + 1).relu(), three ops each reading n floats and writing n fresh ones
if (groups.Contains("elementwise"))
{
    Scalar two = 2.0f, one = 1.0f;
    foreach (int n in elementwiseSizes)
    {
        var t = torch.randn(n);
        var (sec, runs) = Measure(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            (t * two + one).relu();
        }, minTime);
        Result($"Elementwise(N={n})", sec, runs, Inv($"gbps={3.0 * (4.0 * n + 4.0 * n) / sec / 1e9:F2}"));
        t.Dispose();
    }
}
return 0;

// Median seconds of one call: 3 warm-up calls (and at least 0.25 s, for the JIT's tiers), then at least 5 calls and
// minTime seconds, as torch_ref.py's measure().
static (double Seconds, int Runs) Measure(Action fn, double minTime, int minRuns = 5, int warmup = 3)
{
    long warm = Stopwatch.GetTimestamp();
    for (int i = 0; i < warmup || Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.25; i++) fn();
    var times = new List<double>();
    long start = Stopwatch.GetTimestamp();
    while (times.Count < minRuns || Stopwatch.GetElapsedTime(start).TotalSeconds < minTime)
    {
        long t0 = Stopwatch.GetTimestamp();
        fn();
        times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }
    times.Sort();
    int c = times.Count;
    return (c % 2 == 1 ? times[c / 2] : (times[c / 2 - 1] + times[c / 2]) / 2, c);
}

static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

static void Info(string key, string value) => Console.WriteLine($"info\t{key}\t{value}");

static void Result(string id, double seconds, int runs, string extra = "") =>
    Console.WriteLine(Inv($"result\t{id}\t{seconds * 1e9:F1}\t{runs}") + (extra.Length > 0 ? "\t" + extra : ""));
