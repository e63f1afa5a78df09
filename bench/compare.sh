#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (bench/Functional.Bench) and its peers, and prints one table: each workload's time (or
# GFLOP/s, GB/s), ours against the BEST peer of each round, and issue 19's targets marked met / NOT MET.
#
# The peers (each round, each workload, the best of them is the one we are compared with):
#   PyTorch 1.13 (bench/torch_ref.py) with its default OpenMP waiting (spinning; OMP_WAIT_POLICY unset),
#   PyTorch 1.13 again with OMP_WAIT_POLICY=passive (waiting threads sleep: on 2 shared cores spinning can cost a lot),
#   libtorch 2.10 through TorchSharp 0.107 (bench/TorchSharpRef; skipped with a message when it is not restored/built).
# Our side runs as a plain app: Functional.Bench sets no GC option.
#
# The machines this runs on are shared virtual machines whose speed drifts by ±25% over a minute or two, so the sides
# are interleaved: in each of R rounds, each group of workloads (SGEMM, training step, tiny-op chain, elementwise chain,
# one epoch) runs on every side back to back, ours first in odd rounds and last in even ones. Each round gives a ratio
# per workload against that round's best peer; the table shows the median of those ratios (and each round's), so one
# slow minute on one side cannot decide a row. After the rounds, `--step 256 1000` (gen-2 collections per 1,000 steps,
# live heap before and after) and `--steady 1000` run once.
#
#   bash bench/compare.sh [--rounds R] [--full] [--skip-torch] [--skip-passive] [--skip-libtorch] [--skip-dotnet] [--skip-epoch]
#     --rounds R       rounds of all sides (default 3; about 12-15 minutes on 2 cores without the epoch row)
#     --full           BenchmarkDotNet's default job instead of the quick one (much longer, tighter error bars)
#     --skip-torch     no PyTorch peer (neither run);  --skip-passive: no OMP_WAIT_POLICY=passive PyTorch run
#     --skip-libtorch  no libtorch peer;  --skip-dotnet: only the peers (no ratios)
#     --groups "G ..."  only these groups of rows (gemm step tiny elementwise epoch), e.g. to rerun one row
#     --skip-epoch     no epoch row: otherwise, when the full data set is in FASHION_MNIST (default
#                      /usr/share/datasets/fashion-mnist), one epoch of `functional train` and of bench/torch_train.py a round
#   Environment: PYTHON (default /usr/bin/python3, Debian's python3-torch); TORCH_MIN_TIME (seconds per peer workload,
#   default 1); TORCH_BLAS_DIR: a folder put first on LD_LIBRARY_PATH for the PyTorch runs only (e.g. an unpacked
#   libopenblas0-pthread's .../openblas-pthread, to compare with OpenBLAS without installing it system-wide; our run then
#   also gets FUNCTIONAL_OPENBLAS=$TORCH_BLAS_DIR/libopenblas.so.0 unless it is set, so our OpenBLAS provider is measured too).
#   LIBTORCH_OMP_WAIT_POLICY: OMP_WAIT_POLICY for the libtorch peer (default: unset, libgomp's default).
#   FUNCTIONAL_GEMM (default here: managed): the GEMM provider of the training-step and tiny-op workloads.
# Artifacts (BenchmarkDotNet's CSV/markdown/JSON reports per round and group, the peers' TSV lines, all logs) go to
# BenchmarkDotNet.Artifacts/compare-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

job=--quick run_torch=1 run_passive=1 run_libtorch=1 run_dotnet=1 run_epoch=1 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --full) job=--full ;;
    --quick) job=--quick ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift ;;
    --skip-torch) run_torch=0 ;;
    --skip-passive) run_passive=0 ;;
    --skip-libtorch) run_libtorch=0 ;;
    --skip-dotnet) run_dotnet=0 ;;
    --skip-epoch) run_epoch=0 ;;
    --groups) only_groups="${2:?--groups needs a list, e.g. \"tiny elementwise\"}"; shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$rounds" in ''|*[!0-9]*|0) echo "compare.sh: --rounds needs a positive number, got '$rounds'" >&2; exit 2 ;; esac

PYTHON="${PYTHON:-/usr/bin/python3}"
art="$PWD/BenchmarkDotNet.Artifacts/compare-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$art"
FASHION_MNIST="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if [ "$run_epoch" = 1 ] && ! { [ -e "$FASHION_MNIST/train-images-idx3-ubyte.gz" ] || [ -e "$FASHION_MNIST/train-images-idx3-ubyte" ]; }; then
  run_epoch=0
fi
if [ "$run_torch" = 1 ] && ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "compare.sh: $PYTHON cannot import torch (apt-get install python3-torch); no PyTorch peer" >&2
  run_torch=0
fi
[ "$run_torch" = 1 ] || run_passive=0
# PyTorch: OMP_WAIT_POLICY unset (libgomp's default) or passive; TORCH_BLAS_DIR first on the library path.
torch_env() {   # policy command...
  local policy=$1; shift
  if [ "$policy" = default ]; then
    env -u OMP_WAIT_POLICY LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" "$@"
  else
    env OMP_WAIT_POLICY="$policy" LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" "$@"
  fi
}
fail() { tail -n 40 "$1" >&2; echo "compare.sh: $2 (log above: $1)" >&2; exit 1; }

# The libtorch peer: built here only when its packages are already restored (`dotnet restore bench/TorchSharpRef`, about
# 1.4 GB once; bench/README.md, "The libtorch peer"); a plain compare.sh run never downloads them.
libtorch_dll=bench/TorchSharpRef/bin/Release/net10.0/linux-x64/TorchSharpRef.dll
if [ "$run_libtorch" = 1 ]; then
  if [ ! -e bench/TorchSharpRef/obj/project.assets.json ]; then
    echo "compare.sh: bench/TorchSharpRef is not restored (dotnet restore bench/TorchSharpRef, about 1.4 GB); no libtorch peer" >&2
    run_libtorch=0
  elif ! dotnet build -c Release --no-restore bench/TorchSharpRef >"$art/build-libtorch.log" 2>&1; then
    echo "compare.sh: bench/TorchSharpRef did not build (log: $art/build-libtorch.log); no libtorch peer" >&2
    run_libtorch=0
  fi
fi

if [ "$run_dotnet" = 1 ]; then
  # Our OpenBLAS provider is benchmarked too (SGEMM rows) when the library loads; TORCH_BLAS_DIR's copy will do. The other
  # workloads run on the managed GEMM unless FUNCTIONAL_GEMM says otherwise.
  if [ -z "${FUNCTIONAL_OPENBLAS:-}" ] && [ -n "${TORCH_BLAS_DIR:-}" ] && [ -e "$TORCH_BLAS_DIR/libopenblas.so.0" ]; then
    export FUNCTIONAL_OPENBLAS="$TORCH_BLAS_DIR/libopenblas.so.0"
  fi
  export FUNCTIONAL_GEMM="${FUNCTIONAL_GEMM:-managed}"
  echo "building bench/Functional.Bench and src/Cli (Release) ... log: $art/build.log" >&2
  { dotnet build -c Release bench/Functional.Bench && dotnet build -c Release src/Cli; } >"$art/build.log" 2>&1 \
    || fail "$art/build.log" "the build failed"
fi

# One group on one side. Ours: BenchmarkDotNet with the group's filter (the epoch: `functional train --epochs 1`);
# PyTorch: torch_ref.py --only <group> (the epoch: torch_train.py --full --epochs 1); libtorch: TorchSharpRef --only <group>.
ours_side() {   # round group
  local r=$1 g=$2 log="$art/r$1-$2-ours.log"
  echo "  round $r, $g: Functional" >&2
  case "$g" in
    epoch) dotnet run -c Release --no-build --project src/Cli -- train --epochs 1 --data "$FASHION_MNIST" --curve "" >"$log" 2>&1 ;;
    gemm) bdn '*GemmBenchmarks*' "$art/r$r-$g" "$log" ;;
    step) bdn '*TrainStepBenchmarks*' "$art/r$r-$g" "$log" ;;
    tiny) bdn '*TinyOpChainBenchmarks*' "$art/r$r-$g" "$log" ;;
    elementwise) bdn '*ElementwiseBenchmarks*' "$art/r$r-$g" "$log" ;;
  esac || fail "$log" "our $g run failed"
}
bdn() {   # filter artifacts log: one BenchmarkDotNet run of the classes the filter names
  dotnet run -c Release --no-build --project bench/Functional.Bench -- "$job" --filter "$1" --artifacts "$2" >"$3" 2>&1
}
torch_side() {   # round group policy(default|passive) side-name
  local r=$1 g=$2 policy=$3 side=$4 log="$art/r$1-$2-$4.log"
  echo "  round $r, $g: PyTorch ($policy OpenMP waiting)" >&2
  case "$g" in
    epoch) torch_env "$policy" "$PYTHON" bench/torch_train.py --full --epochs 1 --data "$FASHION_MNIST" >"$log" 2>&1 ;;
    *) torch_env "$policy" "$PYTHON" bench/torch_ref.py --min-time "${TORCH_MIN_TIME:-1}" --only "$g" >"$art/r$r-$g-$side.tsv" 2>"$log" ;;
  esac || fail "$log" "the PyTorch ($policy) $g run failed"
}
libtorch_side() {   # round group: a failure drops the peer for the rest of the run instead of stopping compare.sh
  local r=$1 g=$2 log="$art/r$1-$2-libtorch.log"
  [ "$g" = epoch ] && return 0   # no epoch program on this side
  echo "  round $r, $g: libtorch 2.10 (TorchSharp)" >&2
  if ! env ${LIBTORCH_OMP_WAIT_POLICY:+OMP_WAIT_POLICY=$LIBTORCH_OMP_WAIT_POLICY} OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" \
       dotnet "$libtorch_dll" --min-time "${TORCH_MIN_TIME:-1}" --only "$g" >"$art/r$r-$g-libtorch.tsv" 2>"$log"; then
    tail -n 20 "$log" >&2
    echo "compare.sh: the libtorch peer failed (log: $log; see bench/README.md, \"The libtorch peer\"); going on without it" >&2
    rm -f "$art/r$r-$g-libtorch.tsv"
    run_libtorch=0
  fi
}

groups="gemm step tiny elementwise"
[ "$run_epoch" = 1 ] && groups="$groups epoch"
[ -n "${only_groups:-}" ] && groups="$only_groups"
echo "$rounds round(s) of: $groups ... artifacts: $art" >&2
for r in $(seq 1 "$rounds"); do
  for g in $groups; do
    order="ours torch passive libtorch"
    [ $((r % 2)) = 0 ] && order="libtorch passive torch ours"
    for side in $order; do
      case "$side" in
        ours) [ "$run_dotnet" = 1 ] && ours_side "$r" "$g" ;;
        torch) [ "$run_torch" = 1 ] && torch_side "$r" "$g" default torch ;;
        passive) [ "$run_passive" = 1 ] && torch_side "$r" "$g" passive torchp ;;
        libtorch) [ "$run_libtorch" = 1 ] && libtorch_side "$r" "$g" ;;
      esac || true
    done
  done
done
if [ "$run_dotnet" = 1 ]; then
  echo "  gen-2 and live heap: --step 256 1000; --steady 1000" >&2
  dotnet run -c Release --no-build --project bench/Functional.Bench -- --step 256 1000 >"$art/step256.log" 2>&1 \
    || fail "$art/step256.log" "the --step 256 1000 run failed"
  dotnet run -c Release --no-build --project bench/Functional.Bench -- --steady 1000 >"$art/steady.log" 2>&1 \
    || fail "$art/steady.log" "the steady-state run failed"
fi

cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
# Table in Python (the standard library only; any python3 will do).
PY_TABLE="$(command -v python3 || echo "$PYTHON")"
"$PY_TABLE" - "$art" "${cpu:-unknown CPU}" "$(nproc)" <<'EOF'
import glob, json, os, re, statistics, sys

art, cpu, ncpu = sys.argv[1], sys.argv[2], sys.argv[3]
PEERS = (("torch", "PyTorch", "pt"), ("torchp", "PyTorch passive", "pt-p"), ("libtorch", "libtorch 2.10", "lt"))

def bdn_results(paths):
    """BenchmarkDotNet's brief JSON reports -> id -> dict(median_ns, gc0, gc1, gc2, bytes)."""
    out = {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for b in doc.get("Benchmarks", []):
            params = b.get("Parameters") or ""
            bid = b["Method"] + (f"({params})" if params else "")
            st, mem = b.get("Statistics") or {}, b.get("Memory") or {}
            ops = mem.get("TotalOperations") or 0
            if not st:
                continue
            out[bid] = dict(median_ns=st["Median"],
                            gc0=mem.get("Gen0Collections", 0) / ops if ops else None,
                            gc1=mem.get("Gen1Collections", 0) / ops if ops else None,
                            gc2=mem.get("Gen2Collections", 0) / ops if ops else None,
                            bytes=mem.get("BytesAllocatedPerOperation"))
    return out

def epoch_seconds(path):   # "epoch 1/1 ... time 12.34s" (ours) or "epoch 1: ... time 12.34s" (torch_train.py)
    if not os.path.exists(path):
        return None
    m = re.search(r"^epoch 1\b.*?time ([0-9.]+)s", open(path).read(), re.M)
    return float(m.group(1)) if m else None

# Per round: our BenchmarkDotNet results and each peer's, by id (the epoch as the id "Epoch", in ns).
rounds = sorted({int(m.group(1)) for m in (re.match(r"r(\d+)-", os.path.basename(p)) for p in glob.glob(os.path.join(art, "r*-*")))
                 if m})
ours, ref, info = {}, {key: {} for key, _, _ in PEERS}, {key: {} for key, _, _ in PEERS}
for r in rounds:
    ours[r] = bdn_results(glob.glob(os.path.join(art, f"r{r}-*", "results", "*-report-brief.json")))
    for key, _, _ in PEERS:
        ref[key][r] = {}
        for tsv in glob.glob(os.path.join(art, f"r{r}-*-{key}.tsv")):
            for line in open(tsv):
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "result":
                    ref[key][r][parts[1]] = float(parts[2])
                elif parts[0] == "info":
                    info[key][parts[1]] = parts[2]
        t = epoch_seconds(os.path.join(art, f"r{r}-epoch-{key}.log"))
        if t is not None:
            ref[key][r]["Epoch"] = t * 1e9
    o = epoch_seconds(os.path.join(art, f"r{r}-epoch-ours.log"))
    if o is not None:
        ours[r]["Epoch"] = dict(median_ns=o * 1e9, bytes=None)
torch_info = info["torch"] or info["torchp"]
blas = torch_info.get("blas", "")
openblas = "openblas" in blas.lower()
peers_ran = [(k, name, short) for k, name, short in PEERS if any(ref[k][r] for r in rounds)]

def median(xs):
    return statistics.median(xs) if xs else None

def measured(our_id, ref_id, value, higher_better):
    """Each side's median over the rounds of value(ns); per round the best peer (highest value if higher_better, else
    lowest) and our ratio to it; the median of those ratios. A round counts for the ratio when we and a peer ran in it."""
    o = {r: value(ours[r][our_id]["median_ns"]) for r in rounds if our_id and our_id in ours[r]}
    peer = {k: {r: value(ref[k][r][ref_id]) for r in rounds if ref_id in ref[k][r]} for k, _, _ in PEERS}
    ratios, bests = [], []
    for r in rounds:
        vals = [(peer[k][r], short) for k, _, short in PEERS if r in peer[k]]
        if not vals:
            continue
        best, who = (max if higher_better else min)(vals)
        bests.append(who)
        if r in o:
            ratios.append(o[r] / best)
    return dict(ours=median(list(o.values())), peers={k: median(list(peer[k].values())) for k, _, _ in PEERS},
                ratio=median(ratios), ratios=ratios, bests=bests)

rows = []   # workload, measured dict (or None), target text, ok (None: no target)
def add(workload, m, target, ok):
    rows.append((workload, m, target, None if m is None or m["ratio"] is None or ok is None else ok(m["ratio"])))

any_ours = {k for r in rounds for k in ours[r]}
for provider in ("Managed", "OpenBlas"):
    for n in (256, 512, 1024, 2048):
        flop = 2.0 * n ** 3
        # Our id carries the GEMM provider (GemmBenchmarks' second parameter); older runs had N only (the managed kernel).
        bid = next((b for b in (f"Sgemm(N={n}&Provider={provider})", f"Sgemm(N={n})" if provider == "Managed" else None)
                    if b in any_ours), None)
        if provider == "OpenBlas" and bid is None:
            continue      # OpenBLAS did not load in our run (set FUNCTIONAL_OPENBLAS, or TORCH_BLAS_DIR)
        m = measured(bid, f"Sgemm(N={n})", lambda ns: flop / ns, True)      # flop per ns = GFLOP/s
        if provider == "Managed":
            lim = 0.9 if n == 256 else 1.0
            add(f"SGEMM n={n} [GFLOP/s]", m, f">= {lim:.2f}x best", lambda x, lim=lim: x >= lim)
        else:
            add(f"SGEMM n={n}, our OpenBLAS provider", m, "-", None)
for batch in (64, 256):
    bid = f"TrainStep(Batch={batch})"
    add(f"train step batch {batch} [ms]", measured(bid, bid, lambda ns: ns / 1e6, False), "<= 0.50x best time", lambda x: x <= 0.5)
add("tiny-op chain [us/op]", measured("TinyOpChain", "TinyOpChain", lambda ns: ns / 1e3, False), "<= 0.10x best time",
    lambda x: x <= 0.1)
for n in (1024, 16384, 262144, 4194304):
    nbytes = 3.0 * (4 * n + 4 * n)
    m = measured(f"Elementwise(N={n})", f"Elementwise(N={n})", lambda ns, b=nbytes: b / ns, True)   # bytes per ns = GB/s
    add(f"elementwise n={n:,} [GB/s]", m, "-" if n == 1024 else ">= 1.00x best", None if n == 1024 else (lambda x: x >= 1.0))
if "Epoch" in any_ours or any("Epoch" in ref[k][r] for k, _, _ in PEERS for r in rounds):
    add("one epoch, 60k images [s]", measured("Epoch", "Epoch", lambda ns: ns / 1e9, False), "- (issue 5: < 1.00)", None)

def fmt(v, digits=3):
    return "n/a" if v is None else f"{v:#.{digits}g}" if v < 100 else f"{v:.1f}"

def status(ok):
    return "-" if ok is None else ("met" if ok else "NOT MET")

print()
print(f"Machine: {cpu}, {ncpu} CPUs. Ours: a plain app (no GC option), GEMM {os.environ.get('FUNCTIONAL_GEMM', 'managed')}.")
if info["torch"] or info["torchp"]:
    print(f"PyTorch {torch_info.get('torch', 'n/a')}, {torch_info.get('threads', '?')} threads, "
          f"BLAS: {'OpenBLAS' if openblas else (blas or 'n/a')}"
          + (f" (kernels: {torch_info['blascore']}{', OPENBLAS_CORETYPE=' + os.environ['OPENBLAS_CORETYPE'] if os.environ.get('OPENBLAS_CORETYPE') else ''})" if torch_info.get('blascore') else "")
          + "; run twice: OMP_WAIT_POLICY unset (pt) and passive (pt-p).")
if info["libtorch"]:
    print(f"libtorch {info['libtorch'].get('libtorch', '?')} through TorchSharp {info['libtorch'].get('torchsharp', '?')} (lt), "
          f"{info['libtorch'].get('libtorch_threads', '?')} threads, OMP_WAIT_POLICY {os.environ.get('LIBTORCH_OMP_WAIT_POLICY') or 'unset'}.")
if torch_info.get("blascore", "").lower() in ("prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias"):
    print(f"WARNING: OpenBLAS runs its old {torch_info['blascore']} kernels on this CPU (it did not recognise it), so PyTorch's SGEMM "
          "is far below the hardware; rerun with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2).")
if blas and not openblas:
    print("WARNING: PyTorch did not load OpenBLAS (apt-get install libopenblas0-pthread, or set TORCH_BLAS_DIR): its SGEMM "
          "is the reference BLAS.")
print("ratio = ours / the best peer of each round (best: pt, pt-p or lt, per round): GFLOP/s and GB/s (higher is better), "
      "time otherwise (lower is better). Each side's value is its median over "
      f"{len(rounds)} round(s); the ratio is the median of the rounds' ratios (listed). Targets: issue 19.")
print()
head = ("workload", "Functional") + tuple(name for _, name, _ in peers_ran) + ("best", "ratio", "rounds", "target", "status")
table = [head]
for w, m, tg, ok in rows:
    table.append((w, fmt(m["ours"])) + tuple(fmt(m["peers"][k]) for k, _, _ in peers_ran)
                 + (" ".join(m["bests"]) or "n/a", "n/a" if m["ratio"] is None else f"{m['ratio']:.2f}",
                    " ".join(f"{x:.2f}" for x in m["ratios"]) or "n/a", tg, status(ok)))

# Gen-2 collections and the live heap, from `--step 256 1000` (a plain app; once per compare.sh run).
step256 = os.path.join(art, "step256.log")
step = next((l.split() for l in open(step256) if l.startswith("step ")), None) if os.path.exists(step256) else None
blank = ("-",) * len(peers_ran)
if step:
    gen2, start, end = float(step[6]), float(step[9]), float(step[10])
    table.append(("gen-2 GCs per 1,000 steps, batch 256", f"{gen2:.1f}") + blank + ("-", "-", "-", "<= 10", status(gen2 <= 10)))
    limit = start * 1.1 + 1
    table.append(("live heap start / end of those steps [MiB]", f"{start:.2f} / {end:.2f}") + blank
                 + ("-", "-", "-", f"end <= start x 1.1 + 1 ({limit:.2f})", status(end <= limit)))
widths = [max(len(row[i]) for row in table) for i in range(len(head))]
for k, row in enumerate(table):
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
    if k == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")

print()
if step:
    print(f"--step 256 1000 (plain app): median {float(step[2]):.2f} ms, gen0 / gen1 / gen2 per 1,000 steps "
          f"{float(step[4]):.0f} / {float(step[5]):.0f} / {float(step[6]):.0f}, {float(step[7]):.0f} minor page faults and "
          f"{float(step[8]):.2f} MiB allocated per step; live heap (GC.GetTotalMemory after a full blocking collect) "
          f"{float(step[9]):.2f} MiB before the timed steps, {float(step[10]):.2f} MiB after.")
print("Memory per training step (ours; BenchmarkDotNet MemoryDiagnoser):")
for batch in (64, 256):
    m = next((ours[r][f"TrainStep(Batch={batch})"] for r in rounds if f"TrainStep(Batch={batch})" in ours[r]), None)
    if m and m["bytes"] is not None:
        print(f"  batch {batch}: {m['bytes'] / 2**20:.2f} MiB allocated, GCs per step gen0 {m['gc0']:.2f} / "
              f"gen1 {m['gc1']:.2f} / gen2 {m['gc2']:.2f}")
steady = os.path.join(art, "steady.log")
if os.path.exists(steady):
    marks = [l.split() for l in open(steady) if l.startswith("steady ")]
    if marks:
        print("  live heap after a full GC, at training step (batch 64) " +
              ", ".join(f"{int(m[1])}: {int(m[2]) / 2**20:.2f} MiB" for m in marks) +
              f"; steps {marks[0][1]}-{marks[-1][1]}: {float(marks[-1][6]) / 2**20:.2f} MiB allocated per step, "
              f"{(int(marks[-1][3]) - int(marks[0][3])) / (int(marks[-1][1]) - int(marks[0][1])):.2f} collections per step "
              f"({int(marks[-1][5]) - int(marks[0][5])} of them gen 2, counting the forced ones)")
m = next((ours[r]["TinyOpChain"] for r in rounds if "TinyOpChain" in ours[r]), None)
if m and m["bytes"] is not None:
    print(f"  tiny-op chain: {m['bytes']:.0f} B allocated per op")
for n in (1024, 16384, 262144, 4194304):
    m = next((ours[r][f"Elementwise(N={n})"] for r in rounds if f"Elementwise(N={n})" in ours[r]), None)
    if m and m["bytes"] is not None:
        print(f"  elementwise n={n:,}: {m['bytes'] / 2**10:.1f} KiB allocated per call, GCs per 1,000 calls gen0 "
              f"{m['gc0'] * 1000:.1f} / gen1 {m['gc1'] * 1000:.1f} / gen2 {m['gc2'] * 1000:.1f}")
print()
print(f"Reports: {art}")
if not any_ours and not any(ref[k][r] for k, _, _ in PEERS for r in rounds):
    sys.exit("compare.sh: no results found")
EOF
