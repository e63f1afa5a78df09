#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (bench/Functional.Bench) and the PyTorch reference (bench/torch_ref.py) and prints one
# table: each workload's time (or GFLOP/s), ours / PyTorch, and issue 5's target marked met / NOT MET.
#
# The machines this runs on are shared virtual machines whose speed drifts by ±25% over a minute or two, so the two
# sides are interleaved: in each of R rounds, each group of workloads (SGEMM, training step, tiny-op chain, one epoch) runs
# on both sides back to back, ours first in odd rounds and PyTorch first in even ones. Each round gives a ratio per
# workload; the table shows the median ratio (and each round's), so one slow minute on one side cannot decide a row.
#
#   bash bench/compare.sh [--rounds R] [--full] [--skip-torch] [--skip-dotnet] [--skip-epoch]
#     --rounds R     rounds of both sides (default 3; 1 is the old single pass)
#     --full         BenchmarkDotNet's default job instead of the quick one (much longer, tighter error bars)
#     --skip-torch   only our suite (no ratios);  --skip-dotnet: only PyTorch (no ratios)
#     --skip-epoch   no epoch row: otherwise, when the full data set is in FASHION_MNIST (default
#                    /usr/share/datasets/fashion-mnist), one epoch of `functional train` and of bench/torch_train.py a round
#   Environment: PYTHON (default /usr/bin/python3, Debian's python3-torch); TORCH_MIN_TIME (seconds per PyTorch workload,
#   default 1); TORCH_BLAS_DIR: a folder put first on LD_LIBRARY_PATH for the PyTorch run only (e.g. an unpacked
#   libopenblas0-pthread's .../openblas-pthread, to compare with OpenBLAS without installing it system-wide; our run then
#   also gets FUNCTIONAL_OPENBLAS=$TORCH_BLAS_DIR/libopenblas.so.0 unless it is set, so our OpenBLAS provider is measured too).
#   FUNCTIONAL_GEMM (default here: managed): the GEMM provider of the training-step and tiny-op workloads.
# Artifacts (BenchmarkDotNet's CSV/markdown/JSON reports per round and group, all logs) go to
# BenchmarkDotNet.Artifacts/compare-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

job=--quick run_torch=1 run_dotnet=1 run_epoch=1 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --full) job=--full ;;
    --quick) job=--quick ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift ;;
    --skip-torch) run_torch=0 ;;
    --skip-dotnet) run_dotnet=0 ;;
    --skip-epoch) run_epoch=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
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
  echo "compare.sh: $PYTHON cannot import torch (apt-get install python3-torch); showing our numbers only" >&2
  run_torch=0
fi
torch_env() { LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" "$@"; }
fail() { tail -n 40 "$1" >&2; echo "compare.sh: $2 (log above: $1)" >&2; exit 1; }

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
# PyTorch: torch_ref.py --only <group> (the epoch: torch_train.py --full --epochs 1).
ours_side() {   # round group
  local r=$1 g=$2 log="$art/r$1-$2-ours.log"
  echo "  round $r, $g: Functional" >&2
  case "$g" in
    epoch) dotnet run -c Release --no-build --project src/Cli -- train --epochs 1 --data "$FASHION_MNIST" --curve "" >"$log" 2>&1 ;;
    gemm) bdn '*GemmBenchmarks*' "$art/r$r-$g" "$log" ;;
    step) bdn '*TrainStepBenchmarks*' "$art/r$r-$g" "$log" ;;
    tiny) bdn '*TinyOpChainBenchmarks*' "$art/r$r-$g" "$log" ;;
  esac || fail "$log" "our $g run failed"
}
bdn() {   # filter artifacts log: one BenchmarkDotNet run of the classes the filter names
  dotnet run -c Release --no-build --project bench/Functional.Bench -- "$job" --filter "$1" --artifacts "$2" >"$3" 2>&1
}
torch_side() {   # round group
  local r=$1 g=$2 log="$art/r$1-$2-torch.log"
  echo "  round $r, $g: PyTorch" >&2
  case "$g" in
    epoch) torch_env "$PYTHON" bench/torch_train.py --full --epochs 1 --data "$FASHION_MNIST" >"$log" 2>&1 ;;
    *) torch_env "$PYTHON" bench/torch_ref.py --min-time "${TORCH_MIN_TIME:-1}" --only "$g" >"$art/r$r-$g-torch.tsv" 2>"$log" ;;
  esac || fail "$log" "the PyTorch $g run failed"
}

groups="gemm step tiny"
[ "$run_epoch" = 1 ] && groups="$groups epoch"
echo "$rounds round(s) of: $groups ... artifacts: $art" >&2
for r in $(seq 1 "$rounds"); do
  for g in $groups; do
    order="ours torch"
    [ $((r % 2)) = 0 ] && order="torch ours"
    for side in $order; do
      if [ "$side" = ours ] && [ "$run_dotnet" = 1 ]; then ours_side "$r" "$g"; fi
      if [ "$side" = torch ] && [ "$run_torch" = 1 ]; then torch_side "$r" "$g"; fi
    done
  done
done
if [ "$run_dotnet" = 1 ]; then
  dotnet run -c Release --no-build --project bench/Functional.Bench -- --steady 1000 >"$art/steady.log" 2>&1 \
    || fail "$art/steady.log" "the steady-state run failed"
fi

cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
# Table in Python (the standard library only; any python3 will do).
PY_TABLE="$(command -v python3 || echo "$PYTHON")"
"$PY_TABLE" - "$art" "${cpu:-unknown CPU}" "$(nproc)" <<'EOF'
import glob, json, os, sys

art, cpu, ncpu = sys.argv[1], sys.argv[2], sys.argv[3]

import re, statistics

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

# Per round: our BenchmarkDotNet results and PyTorch's, by id (the epoch as the id "Epoch", in ns).
rounds = sorted({int(m.group(1)) for m in (re.match(r"r(\d+)-", os.path.basename(p)) for p in glob.glob(os.path.join(art, "r*-*")))
                 if m})
ours, ref, info = {}, {}, {}
for r in rounds:
    ours[r] = bdn_results(glob.glob(os.path.join(art, f"r{r}-*", "results", "*-report-brief.json")))
    ref[r] = {}
    for tsv in glob.glob(os.path.join(art, f"r{r}-*-torch.tsv")):
        for line in open(tsv):
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "result":
                ref[r][parts[1]] = float(parts[2])
            elif parts[0] == "info":
                info[parts[1]] = parts[2]
    o, t = epoch_seconds(os.path.join(art, f"r{r}-epoch-ours.log")), epoch_seconds(os.path.join(art, f"r{r}-epoch-torch.log"))
    if o is not None:
        ours[r]["Epoch"] = dict(median_ns=o * 1e9, bytes=None)
    if t is not None:
        ref[r]["Epoch"] = t * 1e9
blas = info.get("blas", "")
openblas = "openblas" in blas.lower()

def median(xs):
    return statistics.median(xs) if xs else None

def measured(our_id, ref_id, value):
    """Each side's median over the rounds of value(ns), the median over the rounds of the per-round ratio, and the
    per-round ratios (a round counts for the ratio only when both sides ran in it)."""
    o = {r: value(ours[r][our_id]["median_ns"]) for r in rounds if our_id and our_id in ours[r]}
    t = {r: value(ref[r][ref_id]) for r in rounds if ref_id in ref[r]}
    ratios = [o[r] / t[r] for r in rounds if r in o and r in t]
    return median(list(o.values())), median(list(t.values())), median(ratios), ratios

rows = []   # workload, ours, torch, ratio, per-round ratios, target text, status
def status(ok):
    return "-" if ok is None else ("met" if ok else "NOT MET")

any_ours = {k for r in rounds for k in ours[r]}
for provider in ("Managed", "OpenBlas"):
    for n in (256, 512, 1024, 2048):
        flop = 2.0 * n ** 3
        # Our id carries the GEMM provider (GemmBenchmarks' second parameter); older runs had N only (the managed kernel).
        bid = next((b for b in (f"Sgemm(N={n}&Provider={provider})", f"Sgemm(N={n})" if provider == "Managed" else None)
                    if b in any_ours), None)
        if provider == "OpenBlas" and bid is None:
            continue      # OpenBLAS did not load in our run (set FUNCTIONAL_OPENBLAS, or TORCH_BLAS_DIR)
        o, t, r, rs = measured(bid, f"Sgemm(N={n})", lambda ns: flop / ns)      # flop per ns = GFLOP/s
        if provider == "Managed":
            st = status(None if r is None else r >= 0.85)
            if r is not None and not openblas:
                st += " (reference is not OpenBLAS)"
            rows.append((f"SGEMM n={n} [GFLOP/s]", o, t, r, rs, ">= 0.85x", st))
        else:
            rows.append((f"SGEMM n={n}, our OpenBLAS provider", o, t, r, rs, "-", "(for comparison)"))
for batch in (64, 256):
    bid = f"TrainStep(Batch={batch})"
    o, t, r, rs = measured(bid, bid, lambda ns: ns / 1e6)
    rows.append((f"train step batch {batch} [ms]", o, t, r, rs, "<= 0.50 (2x faster)", status(None if r is None else r <= 0.5)))
o, t, r, rs = measured("TinyOpChain", "TinyOpChain", lambda ns: ns / 1e3)
rows.append(("tiny-op chain [us/op]", o, t, r, rs, "<= 0.20 (5x faster)", status(None if r is None else r <= 0.2)))
if "Epoch" in any_ours or any("Epoch" in ref[r] for r in rounds):
    o, t, r, rs = measured("Epoch", "Epoch", lambda ns: ns / 1e9)
    rows.append(("one epoch, 60k images [s]", o, t, r, rs, "< 1.00 (faster)", status(None if r is None else r < 1)))

def fmt(v, digits=3):
    return "n/a" if v is None else f"{v:#.{digits}g}" if v < 100 else f"{v:.1f}"

print()
print(f"Machine: {cpu}, {ncpu} CPUs. PyTorch {info.get('torch', 'n/a')}, {info.get('threads', '?')} threads, "
      f"BLAS: {'OpenBLAS' if openblas else (blas or 'n/a')}"
      + (f" (kernels: {info['blascore']}{', OPENBLAS_CORETYPE=' + os.environ['OPENBLAS_CORETYPE'] if os.environ.get('OPENBLAS_CORETYPE') else ''})" if info.get('blascore') else ""))
if info.get("blascore", "").lower() in ("prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias"):
    print(f"WARNING: OpenBLAS runs its old {info['blascore']} kernels on this CPU (it did not recognise it), so PyTorch's SGEMM "
          "is far below the hardware; rerun with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) for issue 5's comparison.")
if blas and not openblas:
    print("WARNING: PyTorch did not load OpenBLAS, so the SGEMM rows do not measure issue 5's target "
          "(apt-get install libopenblas0-pthread, or set TORCH_BLAS_DIR).")
print("ratio = ours / PyTorch: GFLOP/s for SGEMM (higher is better), time otherwise (lower is better); each side's value is "
      f"its median over {len(rounds)} round(s), the ratio the median of the rounds' ratios (listed per round).")
print()
head = ("workload", "Functional", "PyTorch", "ratio", "rounds", "target", "status")
table = [head] + [(w, fmt(a), fmt(b), "n/a" if c is None else f"{c:.2f}", " ".join(f"{x:.2f}" for x in rs) or "n/a", tg, s)
                  for w, a, b, c, rs, tg, s in rows]
widths = [max(len(row[i]) for row in table) for i in range(len(head))]
for k, row in enumerate(table):
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
    if k == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")

print()
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
        print("  live heap after a full GC, at training step " +
              ", ".join(f"{int(m[1])}: {int(m[2]) / 2**20:.2f} MiB" for m in marks) +
              f"; steps {marks[0][1]}-{marks[-1][1]}: {float(marks[-1][6]) / 2**20:.2f} MiB allocated per step, "
              f"{(int(marks[-1][3]) - int(marks[0][3])) / (int(marks[-1][1]) - int(marks[0][1])):.2f} collections per step "
              f"({int(marks[-1][5]) - int(marks[0][5])} of them gen 2, counting the forced ones)")
m = next((ours[r]["TinyOpChain"] for r in rounds if "TinyOpChain" in ours[r]), None)
if m and m["bytes"] is not None:
    print(f"  tiny-op chain: {m['bytes']:.0f} B allocated per op")
print()
print(f"Reports: {art}")
if not any_ours and not any(ref[r] for r in rounds):
    sys.exit("compare.sh: no results found")
EOF
