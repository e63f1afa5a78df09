"""PyTorch reference for `functional train`: the seed network 784-512-512-10 (ReLU), Adam(lr=1e-3), batch 64,
cross-entropy, on Fashion-MNIST. Run with Debian's python3-torch: /usr/bin/python3 bench/torch_train.py [--full]
Default split: the 10k test files, first 8,000 for training, last 2,000 for evaluation, 5 epochs.
--full: the 60k/10k set from /usr/share/datasets/fashion-mnist (or --data DIR), 2 epochs. --epochs N overrides the
number of epochs. --seed N: torch.manual_seed(N) (default 0); `functional train --seed N` draws the same initial
weights and batch order (its Generator is PyTorch's MT19937), so the two runs differ only by float rounding.
Pixels are standardized as `train` does, transforms.Normalize((0.2860,), (0.3530,)) (the 60k training images' mean and
standard deviation); --raw-pixels keeps them in [0, 1] (ToTensor() alone, as PyTorch's quickstart does)."""
import gzip, struct, sys, time, os
import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(2)
def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default

seed = int(arg("--seed", 0))
torch.manual_seed(seed)

def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    kind, rank = data[2], data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)

full = "--full" in sys.argv
root = os.path.dirname(os.path.abspath(__file__))
if full:
    d = arg("--data", "/usr/share/datasets/fashion-mnist")
    xtr, ytr = idx(f"{d}/train-images-idx3-ubyte.gz"), idx(f"{d}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{d}/t10k-images-idx3-ubyte.gz"), idx(f"{d}/t10k-labels-idx1-ubyte.gz")
    epochs = 2
else:
    d = os.path.join(root, "..", "data", "fashion-mnist")
    x, y = idx(f"{d}/t10k-images-idx3-ubyte.gz"), idx(f"{d}/t10k-labels-idx1-ubyte.gz")
    xtr, ytr, xte, yte = x[:8000], y[:8000], x[8000:], y[8000:]
    epochs = 5
epochs = int(arg("--epochs", epochs))

raw = "--raw-pixels" in sys.argv
def prep(x, y):
    x = torch.tensor(x.reshape(len(x), -1), dtype=torch.float32) / 255.0
    return x if raw else (x - 0.2860) / 0.3530, torch.tensor(y, dtype=torch.int64)

xtr, ytr = prep(xtr, ytr)
xte, yte = prep(xte, yte)
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(epochs):
    t0 = time.perf_counter()
    perm = torch.randperm(len(xtr))
    total, n = 0.0, 0
    for i in range(0, len(xtr), 64):
        idxs = perm[i:i + 64]
        loss = loss_fn(model(xtr[idxs]), ytr[idxs])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idxs); n += len(idxs)
    dt = time.perf_counter() - t0
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(f"epoch {epoch + 1}: train loss {total / n:.4f}  eval accuracy {acc * 100:.2f}%  time {dt:.2f}s")
