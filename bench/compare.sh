#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (bench/Functional.Bench) and the PyTorch reference (bench/torch_ref.py) back to back and
# prints one table: each workload's time (or GFLOP/s), ours / PyTorch, and issue 5's target marked met / NOT MET.
#
#   bash bench/compare.sh [--full] [--skip-torch] [--skip-dotnet] [--skip-epoch]
#     --full         BenchmarkDotNet's default job instead of the quick one (much longer, tighter error bars)
#     --skip-torch   only our suite (no ratios);  --skip-dotnet: only PyTorch (no ratios)
#     --skip-epoch   no epoch row: otherwise, when the full data set is in FASHION_MNIST (default
#                    /usr/share/datasets/fashion-mnist), one epoch of `functional train` and of bench/torch_train.py
#   Environment: PYTHON (default /usr/bin/python3, Debian's python3-torch); TORCH_MIN_TIME (seconds per PyTorch workload,
#   default 1); TORCH_BLAS_DIR: a folder put first on LD_LIBRARY_PATH for the PyTorch run only (e.g. an unpacked
#   libopenblas0-pthread's .../openblas-pthread, to compare with OpenBLAS without installing it system-wide; our run then
#   also gets FUNCTIONAL_OPENBLAS=$TORCH_BLAS_DIR/libopenblas.so.0 unless it is set, so our OpenBLAS provider is measured too).
#   FUNCTIONAL_GEMM (default here: managed): the GEMM provider of the training-step and tiny-op workloads.
# Artifacts (BenchmarkDotNet's CSV/markdown/JSON reports, both logs) go to BenchmarkDotNet.Artifacts/compare-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

job=--quick run_torch=1 run_dotnet=1 run_epoch=1
for a in "$@"; do
  case "$a" in
    --full) job=--full ;;
    --quick) job=--quick ;;
    --skip-torch) run_torch=0 ;;
    --skip-dotnet) run_dotnet=0 ;;
    --skip-epoch) run_epoch=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

PYTHON="${PYTHON:-/usr/bin/python3}"
art="$PWD/BenchmarkDotNet.Artifacts/compare-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$art"

if [ "$run_dotnet" = 1 ]; then
  echo "[1/2] BenchmarkDotNet ($job) ... log: $art/dotnet.log" >&2
  # Our OpenBLAS provider is benchmarked too (SGEMM rows) when the library loads; TORCH_BLAS_DIR's copy will do. The other
  # workloads run on the managed GEMM unless FUNCTIONAL_GEMM says otherwise.
  if [ -z "${FUNCTIONAL_OPENBLAS:-}" ] && [ -n "${TORCH_BLAS_DIR:-}" ] && [ -e "$TORCH_BLAS_DIR/libopenblas.so.0" ]; then
    export FUNCTIONAL_OPENBLAS="$TORCH_BLAS_DIR/libopenblas.so.0"
  fi
  export FUNCTIONAL_GEMM="${FUNCTIONAL_GEMM:-managed}"
  if ! dotnet run -c Release --project bench/Functional.Bench -- "$job" --artifacts "$art" >"$art/dotnet.log" 2>&1; then
    tail -n 40 "$art/dotnet.log" >&2
    echo "compare.sh: the BenchmarkDotNet run failed (log above: $art/dotnet.log)" >&2
    exit 1
  fi
  dotnet run -c Release --no-build --project bench/Functional.Bench -- --steady 1000 >"$art/steady.log" 2>&1 \
    || { cat "$art/steady.log" >&2; echo "compare.sh: the steady-state run failed" >&2; exit 1; }
fi

if [ "$run_torch" = 1 ]; then
  echo "[2/2] PyTorch reference ... log: $art/torch.tsv" >&2
  if ! "$PYTHON" -c "import torch" 2>/dev/null; then
    echo "compare.sh: $PYTHON cannot import torch (apt-get install python3-torch); showing our numbers only" >&2
  elif ! LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" \
        "$PYTHON" bench/torch_ref.py --min-time "${TORCH_MIN_TIME:-1}" >"$art/torch.tsv" 2>"$art/torch.err"; then
    cat "$art/torch.err" >&2
    echo "compare.sh: the PyTorch run failed" >&2
    exit 1
  fi
fi

# One epoch on the full 60k set: the epoch time each side prints (training only, evaluation excluded).
FASHION_MNIST="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if [ "$run_epoch" = 1 ] && { [ -e "$FASHION_MNIST/train-images-idx3-ubyte.gz" ] || [ -e "$FASHION_MNIST/train-images-idx3-ubyte" ]; }; then
  echo "[3/3] one epoch of train on $FASHION_MNIST, both sides ... logs: $art/epoch-*.log" >&2
  if [ "$run_dotnet" = 1 ]; then
    dotnet run -c Release --project src/Cli -- train --epochs 1 --data "$FASHION_MNIST" --curve "$art/loss.svg" >"$art/epoch-ours.log" 2>&1 \
      || { cat "$art/epoch-ours.log" >&2; echo "compare.sh: the train run failed" >&2; exit 1; }
  fi
  if [ "$run_torch" = 1 ] && "$PYTHON" -c "import torch" 2>/dev/null; then
    LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" \
      "$PYTHON" bench/torch_train.py --full --epochs 1 --data "$FASHION_MNIST" >"$art/epoch-torch.log" 2>&1 \
      || { cat "$art/epoch-torch.log" >&2; echo "compare.sh: torch_train.py failed" >&2; exit 1; }
  fi
fi

cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
# Table in Python (the standard library only; any python3 will do).
PY_TABLE="$(command -v python3 || echo "$PYTHON")"
"$PY_TABLE" - "$art" "${cpu:-unknown CPU}" "$(nproc)" <<'EOF'
import glob, json, os, sys

art, cpu, ncpu = sys.argv[1], sys.argv[2], sys.argv[3]

ours = {}     # id -> dict(median_ns, gc0, gc1, gc2, bytes)
for path in glob.glob(os.path.join(art, "results", "*-report-brief.json")):
    with open(path) as f:
        doc = json.load(f)
    for b in doc.get("Benchmarks", []):
        params = b.get("Parameters") or ""
        bid = b["Method"] + (f"({params})" if params else "")
        st, mem = b.get("Statistics") or {}, b.get("Memory") or {}
        ops = mem.get("TotalOperations") or 0
        if not st:
            continue
        ours[bid] = dict(median_ns=st["Median"],
                         gc0=mem.get("Gen0Collections", 0) / ops if ops else None,
                         gc1=mem.get("Gen1Collections", 0) / ops if ops else None,
                         gc2=mem.get("Gen2Collections", 0) / ops if ops else None,
                         bytes=mem.get("BytesAllocatedPerOperation"))

ref, info = {}, {}
tsv = os.path.join(art, "torch.tsv")
if os.path.exists(tsv):
    for line in open(tsv):
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "result":
            ref[parts[1]] = float(parts[2])
        elif parts[0] == "info":
            info[parts[1]] = parts[2]
blas = info.get("blas", "")
openblas = "openblas" in blas.lower()

rows = []   # workload, ours, torch, ratio text, target text, status
def status(ok):
    return "-" if ok is None else ("met" if ok else "NOT MET")

for provider in ("Managed", "OpenBlas"):
    for n in (256, 512, 1024, 2048):
        flop = 2.0 * n ** 3
        # Our id carries the GEMM provider (GemmBenchmarks' second parameter); older runs had N only (the managed kernel).
        bid = next((b for b in (f"Sgemm(N={n}&Provider={provider})", f"Sgemm(N={n})" if provider == "Managed" else None) if b in ours), None)
        if provider == "OpenBlas" and bid is None:
            continue      # OpenBLAS did not load in our run (set FUNCTIONAL_OPENBLAS, or TORCH_BLAS_DIR)
        o = flop / ours[bid]["median_ns"] if bid else None      # flop per ns = GFLOP/s
        t = flop / ref[f"Sgemm(N={n})"] if f"Sgemm(N={n})" in ref else None
        r = o / t if o and t else None
        if provider == "Managed":
            st = status(None if r is None else r >= 0.85)
            if r is not None and not openblas:
                st += " (reference is not OpenBLAS)"
            rows.append((f"SGEMM n={n} [GFLOP/s]", o, t, r, ">= 0.85x", st))
        else:
            rows.append((f"SGEMM n={n}, our OpenBLAS provider", o, t, r, "-", "(for comparison)"))
for batch in (64, 256):
    bid = f"TrainStep(Batch={batch})"
    o = ours[bid]["median_ns"] / 1e6 if bid in ours else None
    t = ref[bid] / 1e6 if bid in ref else None
    r = o / t if o and t else None
    rows.append((f"train step batch {batch} [ms]", o, t, r, "<= 0.50 (2x faster)", status(None if r is None else r <= 0.5)))
bid = "TinyOpChain"
o = ours[bid]["median_ns"] / 1e3 if bid in ours else None
t = ref[bid] / 1e3 if bid in ref else None
r = o / t if o and t else None
rows.append(("tiny-op chain [us/op]", o, t, r, "<= 0.20 (5x faster)", status(None if r is None else r <= 0.2)))

import re
def epoch_seconds(name):   # "epoch 1/1 ... time 12.34s" (ours) or "epoch 1: ... time 12.34s" (torch_train.py)
    path = os.path.join(art, name)
    if not os.path.exists(path):
        return None
    m = re.search(r"^epoch 1\b.*?time ([0-9.]+)s", open(path).read(), re.M)
    return float(m.group(1)) if m else None
o, t = epoch_seconds("epoch-ours.log"), epoch_seconds("epoch-torch.log")
if o is not None or t is not None:
    r = o / t if o and t else None
    rows.append(("one epoch, 60k images [s]", o, t, r, "< 1.00 (faster)", status(None if r is None else r < 1)))

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
print("ratio = ours / PyTorch: GFLOP/s for SGEMM (higher is better), time otherwise (lower is better).")
print()
head = ("workload", "Functional", "PyTorch", "ratio", "target", "status")
table = [head] + [(w, fmt(a), fmt(b), "n/a" if c is None else f"{c:.2f}", tg, s) for w, a, b, c, tg, s in rows]
widths = [max(len(row[i]) for row in table) for i in range(len(head))]
for k, row in enumerate(table):
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
    if k == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")

print()
print("Memory per training step (ours; BenchmarkDotNet MemoryDiagnoser):")
for batch in (64, 256):
    m = ours.get(f"TrainStep(Batch={batch})")
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
m = ours.get("TinyOpChain")
if m and m["bytes"] is not None:
    print(f"  tiny-op chain: {m['bytes']:.0f} B allocated per op")
print()
print(f"Reports: {art}")
if not ours and not ref:
    sys.exit("compare.sh: no results found")
EOF
