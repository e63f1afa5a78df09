#!/usr/bin/env python3
"""A/B of the managed GEMM between two builds of bench/Functional.Bench, interleaved so both see the same machine noise.

    python3 bench/ab_gemm.py BASE_DLL OURS_DLL [--rounds 3] [--set square|mlp|all] [--samples 20]

Each round runs every case once with BASE, then once with OURS (alternating which goes first), and prints per case
each side's median over rounds of the run's median GFLOP/s and the median of the paired ratios OURS / BASE, then the
same for the run's best GFLOP/s (steadier than the median when other work shares the cores).
Cases: `square` is `--gemm N` at n = 256, 512, 1024, 2048; `mlp` is `--gemm-shape` on the seed MLP's products
(784-512-512-10 at batch 64 and 256, forward x·Wᵀ and backward G·W, Gᵀ·X). Extra environment (e.g.
FUNCTIONAL_GEMM_BLOCKING) applies to both sides unless given as --env-ours / --env-base KEY=VALUE.
"""
import argparse, os, statistics as st, subprocess

SQUARE = [["--gemm", str(n)] for n in (256, 512, 1024, 2048)]
MLP = []
for b in (64, 256):
    MLP += [[str(b), "512", "784", "tb"], [str(b), "512", "512", "tb"], [str(b), "10", "512", "tb"],   # forward x·Wᵀ
            [str(b), "512", "10"], [str(b), "512", "512"],                                             # G·W
            ["10", "512", str(b), "ta"], ["512", "512", str(b), "ta"], ["512", "784", str(b), "ta"]]   # Gᵀ·X
MLP = [["--gemm-shape"] + s for s in MLP]

def run(dll, case, samples, env):
    out = subprocess.run(["dotnet", dll] + case + [str(samples)], capture_output=True, text=True, env=env, check=True).stdout
    f = out.split()
    return (float(f[2]), float(f[3])) if f[0] == "gemm" else (float(f[6]), float(f[7]))   # (median, best) GFLOP/s

def main():
    p = argparse.ArgumentParser()
    p.add_argument("base"); p.add_argument("ours")
    p.add_argument("--rounds", type=int, default=3); p.add_argument("--samples", type=int, default=20)
    p.add_argument("--set", default="all"); p.add_argument("--env-ours", action="append", default=[])
    p.add_argument("--env-base", action="append", default=[])
    a = p.parse_args()
    cases = {"square": SQUARE, "mlp": MLP, "all": SQUARE + MLP}[a.set]
    env = dict(os.environ, FUNCTIONAL_GEMM="managed", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    envs = {"base": dict(env, **dict(e.split("=", 1) for e in a.env_base)), "ours": dict(env, **dict(e.split("=", 1) for e in a.env_ours))}
    res = {tuple(c): {"base": [], "ours": []} for c in cases}
    for r in range(a.rounds):
        for c in cases:
            order = ["base", "ours"] if r % 2 == 0 else ["ours", "base"]
            for side in order:
                samples = a.samples if c[0] == "--gemm" else a.samples * 10
                res[tuple(c)][side].append(run(a.base if side == "base" else a.ours, c, samples, envs[side]))
    print(f"{'case':22} {'median GFLOP/s: base':>20} {'ours':>6} {'ratio':>5}   {'best GFLOP/s: base':>18} {'ours':>6} {'ratio':>5}")
    for c in cases:
        line = f"{' '.join(c[1:]):22}"
        for i, width in ((0, 20), (1, 18)):
            b = [x[i] for x in res[tuple(c)]["base"]]; o = [x[i] for x in res[tuple(c)]["ours"]]
            line += f" {st.median(b):{width}.1f} {st.median(o):6.1f} {st.median([y / x for x, y in zip(b, o)]):5.2f}  "
        print(line, flush=True)

main()
