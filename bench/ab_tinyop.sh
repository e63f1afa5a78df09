#!/usr/bin/env bash
# A/B of the tiny-op chain between a base commit and the working tree: builds bench/Functional.Bench of both (the
# base gets this tree's bench/ folder, so only src/ differs), then runs `--tiny SAMPLES` alternately PAIRS times and
# prints each side's median of per-run medians and the median of the paired ratios (ours / base). Interleaving puts both
# sides under the same machine noise; the ratio is what to quote (issue 8: call-site capture must cost under 5%).
#
#   bash bench/ab_tinyop.sh BASE [PAIRS=12] [SAMPLES=300]
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: bash bench/ab_tinyop.sh BASE [PAIRS] [SAMPLES]}" pairs="${2:-12}" samples="${3:-300}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 FUNCTIONAL_GEMM=managed
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/base" "$base"
rm -rf "$work/base/bench/Functional.Bench" && cp -r bench/Functional.Bench "$work/base/bench/"
rm -rf "$work/base/bench/Functional.Bench/bin" "$work/base/bench/Functional.Bench/obj"
for dir in "$work/base" "$PWD"; do
  dotnet build "$dir/bench/Functional.Bench" -c Release >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
dll=bench/Functional.Bench/bin/Release/net10.0/Functional.Bench.dll
for i in $(seq 1 "$pairs"); do
  echo "base $(dotnet "$work/base/$dll" --tiny "$samples")"
  echo "ours $(dotnet "$PWD/$dll" --tiny "$samples")"
done | tee "$work/samples.txt" >&2
python3 - "$work/samples.txt" "$base" <<'PY'
import statistics as st, sys
runs = {"base": [], "ours": []}
for line in open(sys.argv[1]):
    side, _, med, low, alloc = line.split()
    runs[side].append((float(med), float(low), int(alloc)))
for side, r in runs.items():
    print(f"{side:4}  median ns/op {st.median(m for m, _, _ in r):7.1f}  min ns/op {min(l for _, l, _ in r):7.1f}  bytes/op {r[0][2]}")
ratios = [o[0] / b[0] for o, b in zip(runs["ours"], runs["base"])]
print(f"ours / {sys.argv[2]}: median of {len(ratios)} paired ratios {st.median(ratios):.3f} (range {min(ratios):.2f}-{max(ratios):.2f})")
PY
