#!/usr/bin/python3
"""PyTorch reference for the training loop of docs/csharp-quickstart.md and docs/fsharp-quickstart.fsx.

Run with: /usr/bin/python3 torch_quickstart.py > torch_quickstart.out
Functional's DataLoader(shuffle=True, gen) draws torch.randperm(n, generator=gen) each epoch; here the generator is
the global one, seeded like Generator(0), and the same stream also feeds randn and nn.Linear's init, in that order.
"""
import sys
import torch

print("# torch", torch.__version__, "python", sys.version.split()[0])
torch.manual_seed(0)
x = torch.randn(256, 2)
y = ((x[:, 0] * x[:, 1]) > 0).long()
model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = torch.nn.CrossEntropyLoss()
for epoch in range(1, 31):
    perm = torch.randperm(256)
    total = 0.0
    for i in range(0, 256, 32):
        idx = perm[i:i + 32]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.item()
    if epoch % 10 == 0:
        print(f"epoch {epoch}: mean loss {total / 8:.2f}")
with torch.no_grad():
    print(f"accuracy: {(model(x).argmax(1) == y).sum().item()} / 256")

# docs/pytorch-migration.md, difference 6: the order of one shuffled epoch of 8 samples, seed-0 generator.
# Functional's DataLoader(shuffle: true, gen: new Generator(0)) gives the randperm line.
from torch.utils.data import DataLoader, TensorDataset
g = torch.Generator()
g.manual_seed(0)
print("randperm:", torch.randperm(8, generator=g).tolist())
g = torch.Generator()
g.manual_seed(0)
from torch.utils.data import RandomSampler
g = torch.Generator()
g.manual_seed(0)
print("RandomSampler:", list(RandomSampler(range(8), generator=g)))
g = torch.Generator()
g.manual_seed(0)
print("DataLoader:", [b[0].tolist() for b in DataLoader(TensorDataset(torch.arange(8)), batch_size=8, shuffle=True, generator=g)][0])

# docs/pytorch-migration.fsx: the random tensors and the shuffled targets it prints.
torch.manual_seed(0)
print("randn(2, 2):", torch.randn(2, 2).tolist())
print("rand(1):", torch.rand(1).tolist())
g = torch.Generator()
g.manual_seed(0)
print("targets in randperm(6) order:", torch.tensor([0, 1, 2, 0, 1, 2])[torch.randperm(6, generator=g)].tolist())

# docs/pytorch-migration.md, difference 7: a backward that fails part-way has already accumulated some leaves' .grad.
a = torch.ones(2, requires_grad=True)
b = torch.ones(2, requires_grad=True)
s = b.sigmoid()
y = (a * 2).sum() + s.sum()
s.detach().zero_()
try:
    y.backward()
except RuntimeError as e:
    print("backward failed:", str(e).split(":")[0])
print("a.grad:", a.grad, "b.grad:", b.grad)
