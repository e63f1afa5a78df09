#!/usr/bin/env bash
# Accuracy of `functional train` and of bench/torch_train.py over seeds: both sides train from the same initial weights
# and batch order for a seed (Generator = torch.manual_seed), so the paired difference shows whether ours learns as
# PyTorch does; the spread over seeds shows how much one run's accuracy says.
#
#   bash bench/seed_accuracy.sh [SEEDS] [EPOCHS]     seeds 0..SEEDS-1 (default 20), EPOCHS each (default 2)
#   Full data from FASHION_MNIST (default /usr/share/datasets/fashion-mnist); PYTHON (default /usr/bin/python3);
#   TORCH_BLAS_DIR as in compare.sh (only speeds PyTorch up); RAW_PIXELS=1 runs both sides with --raw-pixels (pixels in
#   [0, 1], not standardized). About 10 s (ours) and 30 s (PyTorch) per seed on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-20}" epochs="${2:-2}"
data="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
PYTHON="${PYTHON:-/usr/bin/python3}"
[ -e "$data/train-images-idx3-ubyte.gz" ] || [ -e "$data/train-images-idx3-ubyte" ] \
  || { echo "seed_accuracy.sh: no full Fashion-MNIST in $data (apt-get install dataset-fashion-mnist, or FASHION_MNIST=DIR)" >&2; exit 1; }
pixels=() kind=standardized
if [ "${RAW_PIXELS:-}" = 1 ]; then pixels=(--raw-pixels) kind=raw; fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build -c Release src/Cli >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; exit 1; }
for s in $(seq 0 $((seeds - 1))); do
  dotnet run -c Release --no-build --project src/Cli -- train --epochs "$epochs" --seed "$s" --data "$data" --curve "" "${pixels[@]}" \
    | sed -n "s/^epoch $epochs\/$epochs .*test accuracy \([0-9.]*\)%.*/ours $s \1/p" >>"$out/acc"
  LD_LIBRARY_PATH="${TORCH_BLAS_DIR:+$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" \
    "$PYTHON" bench/torch_train.py --full --epochs "$epochs" --seed "$s" --data "$data" "${pixels[@]}" \
    | sed -n "s/^epoch $epochs: .*eval accuracy \([0-9.]*\)%.*/torch $s \1/p" >>"$out/acc"
  tail -n 2 "$out/acc" >&2
done
python3 - "$out/acc" "$epochs" "$kind" <<'PY'
import statistics as st, sys
acc = {}
for line in open(sys.argv[1]):
    side, seed, a = line.split()
    acc.setdefault(side, {})[int(seed)] = float(a)
o, t = acc.get("ours", {}), acc.get("torch", {})
seeds = sorted(set(o) & set(t))
if len(seeds) < 2:
    sys.exit("seed_accuracy.sh: fewer than two seeds finished on both sides")
d = [o[s] - t[s] for s in seeds]
print(f"test accuracy after {sys.argv[2]} epochs ({sys.argv[3]} pixels), seeds {seeds[0]}-{seeds[-1]} ({len(seeds)} runs a side)")
print("| seed | Functional | PyTorch | difference |\n|---|---|---|---|")
for s in seeds:
    print(f"| {s} | {o[s]:.2f}% | {t[s]:.2f}% | {o[s] - t[s]:+.2f} |")
for name, v in (("Functional", [o[s] for s in seeds]), ("PyTorch", [t[s] for s in seeds])):
    print(f"{name}: mean {st.mean(v):.2f}%, sd {st.stdev(v):.2f}, median {st.median(v):.2f}%, "
          f"min {min(v):.2f}%, max {max(v):.2f}%, runs at or above 86%: {sum(x >= 86 for x in v)} of {len(v)}")
print(f"paired difference (ours - PyTorch): mean {st.mean(d):+.2f} points, sd {st.stdev(d):.2f}, "
      f"standard error {st.stdev(d) / len(d) ** 0.5:.2f}")
PY
