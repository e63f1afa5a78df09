#!/usr/bin/python3
"""PyTorch reference for Generator (GeneratorTests.cs) and for the first training steps of `functional train`
(TrainTests.cs): what torch.manual_seed(s) gives on the CPU. Run with: /usr/bin/python3 torch_random.py > torch_random.out
Float32 values with 9 significant digits (round-trips a float32), Float64 with 17."""
import gzip, os, struct, sys
import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(2)
print("# torch", torch.__version__)
f32 = lambda t: "[" + ", ".join("%.9gf" % v for v in t.reshape(-1).tolist()) + "]"
f64 = lambda t: "[" + ", ".join("%.17g" % v for v in t.reshape(-1).tolist()) + "]"
ints = lambda t: "[" + ", ".join(str(v) for v in t.reshape(-1).tolist()) + "]"

torch.manual_seed(0); print("rand(5), seed 0:", f32(torch.rand(5)))
torch.manual_seed(7); print("rand(3, float64), seed 7:", f64(torch.rand(3, dtype=torch.float64)))
torch.manual_seed(0); print("randint(10, (6,)), seed 0:", ints(torch.randint(10, (6,))))
torch.manual_seed(0); print("randperm(10), seed 0:", ints(torch.randperm(10)))
torch.manual_seed(3); print("randperm(60000)[:8], seed 3:", ints(torch.randperm(60000)[:8]))
torch.manual_seed(0); print("randn(5), seed 0:", f32(torch.randn(5)))
torch.manual_seed(0); print("randn(40), seed 0:", f32(torch.randn(40)))
torch.manual_seed(0); print("randn(37, float64), seed 0:", f64(torch.randn(37, dtype=torch.float64)))
torch.manual_seed(0)
l1, l2 = nn.Linear(784, 512), nn.Linear(512, 10)
with torch.no_grad():
    print("Linear(784,512).weight[0,:4], seed 0:", f32(l1.weight[0, :4]))
    print("Linear(784,512).bias[-3:]:", f32(l1.bias[-3:]))
    print("then Linear(512,10).weight[-1,-4:]:", f32(l2.weight[-1, -4:]))
    print("then Linear(512,10).bias:", f32(l2.bias))
w = torch.empty(3, 5, dtype=torch.float64)
torch.manual_seed(0); torch.nn.init.uniform_(w, -0.5, 0.25); print("uniform_(float64 [3,5], -0.5, 0.25), seed 0:", f64(w))

# `functional train --seed 0` on the shipped split cut to its first 320 training images (TrainOptions.TrainLimit = 320):
# torch.manual_seed(0), the seed network, Adam(1e-3), batch 64, randperm(320) for the one epoch, so five steps;
# then the accuracy on the 2,000 evaluation images (the last 2,000 of the 10k test set). Once with the pixels in [0, 1]
# (`--raw-pixels`), once standardized as `train` does by default: transforms.Normalize((0.2860,), (0.3530,)).
def idx(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data", "fashion-mnist")
x = torch.tensor(idx(f"{d}/t10k-images-idx3-ubyte.gz").reshape(10000, -1), dtype=torch.float32) / 255.0
y = torch.tensor(idx(f"{d}/t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)
for pixels, xs in (("raw pixels", x), ("standardized pixels", (x - 0.2860) / 0.3530)):
    xtr, ytr, xte, yte = xs[:320], y[:320], xs[8000:], y[8000:]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(320)
    losses = []
    for i in range(5):
        b = perm[i * 64:(i + 1) * 64]
        loss = loss_fn(model(xtr[b]), ytr[b])
        opt.zero_grad(); loss.backward(); opt.step()
        losses.append(loss.item())
    print(f"train seed 0 on 320 images, {pixels}, losses of steps 1-5:", f32(torch.tensor(losses)))
    print("their mean (float64): %.17g" % (sum(losses) / 5))
    with torch.no_grad():
        print("correct of 2000 after the epoch:", int((model(xte).argmax(1) == yte).sum()))
