"""PyTorch reference for the BenchmarkDotNet suite in bench/Functional.Bench (issue 5): the same workloads, timed the same way
(warm runs, then repeated runs, median). Run with Debian's python3-torch:
    /usr/bin/python3 bench/torch_ref.py [--min-time S] [--only gemm,step,tiny,elementwise]
--only runs just those groups (bench/compare.sh interleaves the two sides group by group).

Output, one measurement a line, tab-separated, for bench/compare.sh (other lines start with '#'):
    info    <key>   <value>                              torch version, threads, the BLAS library torch loaded
    result  <id>    <median ns>   <runs>                 <id> is BenchmarkDotNet's Method(Parameters), e.g. Sgemm(N=256)
The ids and the workloads:
    Sgemm(N=n)            torch.mm of two n x n float32 matrices (n = 256, 512, 1024, 2048); also prints GFLOP/s
    TrainStep(Batch=b)    784-512-512-10 ReLU MLP, cross-entropy, Adam(lr=1e-3): forward, zero_grad(set_to_none=True),
                          backward, step (b = 64, 256); back to the initial weights and a fresh Adam every 100 steps
    TinyOpChain           10,000 nodes x = x*1.0001 + 0.0001 from a 0-d leaf that requires grad, then backward;
                          the time is per op (20,000 ops: a mul and an add per node, forward and backward together)
    Elementwise(N=n)      (t * 2 + 1).relu() on a float32 tensor of n elements under torch.no_grad() (n = 1,024, 16,384,
                          262,144, 4,194,304); also prints GB/s = 3 ops x (read n*4 + write n*4) bytes / time
bench/TorchSharpRef (libtorch 2.10 through TorchSharp) prints the same lines for the same workloads.
"""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402  (after the thread variables)

THREADS = 2
NODES = 10_000
OPS_PER_CHAIN = 2 * NODES
ELEMENTWISE_SIZES = (1_024, 16_384, 262_144, 4_194_304)
GROUPS = ("gemm", "step", "tiny", "elementwise")
STEPS_PER_RUN = 100   # TrainStep: steps between resets to the initial weights and a fresh Adam (as TrainStepBenchmarks)


def measure(fn, min_time, min_runs=5, warmup=3):
    """Median seconds of one call of fn: `warmup` calls first, then at least `min_runs` calls and `min_time` seconds."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def result(bench_id, seconds, runs, extra=""):
    print(f"result\t{bench_id}\t{seconds * 1e9:.1f}\t{runs}" + (f"\t{extra}" if extra else ""), flush=True)


def loaded_blas():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
        return ",".join(sorted(libs)) or "none"
    except OSError:
        return "unknown"


def openblas_core():
    """The kernel set the loaded OpenBLAS picked (openblas_get_corename), or "" when none is loaded. Under some hypervisors
    OpenBLAS 0.3.21 does not recognise the CPU and falls back to old SSE3 kernels ("Prescott"); OPENBLAS_CORETYPE=
    SkylakeX (AVX-512) or Haswell (AVX2) then gives the comparison issue 5 means."""
    import ctypes
    for lib in loaded_blas().split(","):
        if "openblas" in lib:
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                return f().decode()
            except (OSError, AttributeError):
                return "unknown"
    return ""


def main():
    min_time = float(sys.argv[sys.argv.index("--min-time") + 1]) if "--min-time" in sys.argv else 1.0
    groups = set(sys.argv[sys.argv.index("--only") + 1].split(",")) if "--only" in sys.argv else set(GROUPS)
    unknown = groups - set(GROUPS)
    if unknown:
        sys.exit(f"torch_ref.py: unknown group(s) {', '.join(sorted(unknown))}; the groups are {', '.join(GROUPS)}")
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    print(f"info\ttorch\t{torch.__version__}")
    print(f"info\tthreads\t{torch.get_num_threads()}")
    print(f"info\tomp_wait_policy\t{os.environ.get('OMP_WAIT_POLICY', 'default')}")

    # SGEMM
    for n in (256, 512, 1024, 2048) if "gemm" in groups else ():
        a, b = torch.randn(n, n), torch.randn(n, n)
        sec, runs = measure(lambda: torch.mm(a, b), min_time)
        result(f"Sgemm(N={n})", sec, runs, f"gflops={2.0 * n ** 3 / sec / 1e9:.1f}")
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    print(f"info\tblas\t{loaded_blas()}")  # after an mm, when the BLAS library is surely loaded
    print(f"info\tblascore\t{openblas_core()}")

    # Training step of the seed MLP
    for batch in (64, 256) if "step" in groups else ():
        model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                    torch.nn.Linear(512, 10))
        model.train()
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        state = {"opt": torch.optim.Adam(model.parameters(), lr=1e-3), "steps": 0}
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = torch.rand(batch, 784), torch.randint(0, 10, (batch,))

        def step():
            # As TrainStepBenchmarks: every STEPS_PER_RUN steps, back to the initial weights and a fresh Adam.
            state["steps"] += 1
            if state["steps"] % STEPS_PER_RUN == 0:
                model.load_state_dict(initial)
                state["opt"] = torch.optim.Adam(model.parameters(), lr=1e-3)
            opt = state["opt"]
            loss = loss_fn(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss

        sec, runs = measure(step, min_time)
        result(f"TrainStep(Batch={batch})", sec, runs)

    # Tiny-op chain
    leaf = torch.tensor(1.0, requires_grad=True)

    def chain():
        x = leaf
        for _ in range(NODES):
            x = x * 1.0001 + 0.0001
        x.backward()
        return x

    if "tiny" in groups:
        sec, runs = measure(chain, min_time)
        result("TinyOpChain", sec / OPS_PER_CHAIN, runs)

    # Elementwise chain, no grad: three ops, each reading n floats and writing n fresh ones
    for n in ELEMENTWISE_SIZES if "elementwise" in groups else ():
        t = torch.randn(n)

        def elementwise():
            with torch.no_grad():
                return (t * 2.0 + 1.0).relu()

        sec, runs = measure(elementwise, min_time)
        result(f"Elementwise(N={n})", sec, runs, f"gbps={3.0 * (4 * n + 4 * n) / sec / 1e9:.2f}")


if __name__ == "__main__":
    main()
