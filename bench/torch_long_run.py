"""PyTorch side of `Functional.Bench -- --long-run B N` (bench/README.md, "Subnormal moments"): N steps of one training run
of the seed MLP on a fixed random batch, never reset; every 250 steps the median step time and how many Adam exp_avg
values are subnormal. Run with Debian's python3-torch:  /usr/bin/python3 bench/torch_long_run.py [BATCH] [STEPS]"""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 64
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
torch.set_num_threads(2)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                            torch.nn.Linear(512, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
x, y = torch.rand(batch, 784), torch.randint(0, 10, (batch,))
window = []
for s in range(1, steps + 1):
    t0 = time.perf_counter()
    loss = loss_fn(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    window.append((time.perf_counter() - t0) * 1e3)
    if s % 250 == 0 or s == steps:
        tiny = torch.finfo(torch.float32).tiny
        subnormal = sum(int(((st["exp_avg"] != 0) & (st["exp_avg"].abs() < tiny)).sum()) for st in opt.state.values())
        print(f"torch-long-run {batch} steps {s - len(window) + 1}-{s}: median {statistics.median(window):.3f} ms, "
              f"loss {loss.item():.3g}, subnormal exp_avg {subnormal}", flush=True)
        window = []
