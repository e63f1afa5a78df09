#!/usr/bin/python3
"""PyTorch reference outputs for Functional.Nn and Functional.Optim tests (NnTests.cs, OptimTests.cs).

Run with: /usr/bin/python3 torch_optim.py > torch_optim.out
Float32 unless a section says float64 (printed with 17 digits). Every optimizer runs on the same fixed parameters with fixed gradients set directly on
.grad before each step; p3 never gets a gradient (None), so it must not move and must get no state.
Values are printed with 9 significant digits (enough to round-trip a float32), as C# float literals.
The update equations of SGD/Adam/AdamW are the same in PyTorch 1.13 (used here) and 2.x (single-tensor path).
"""
import sys
import torch
import torch.nn as nn

torch.set_printoptions(precision=4)
print("# torch", torch.__version__, "python", sys.version.split()[0])


def section(name):
    print()
    print("## " + name)


def lit(t):
    if t.dtype == torch.float64:
        return "[" + ", ".join("%.17g" % v for v in t.detach().reshape(-1).tolist()) + "]"
    return "[" + ", ".join("%.9gf" % v for v in t.detach().reshape(-1).tolist()) + "]"


P1 = [[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]]
P2 = [1.5, -2.5, 0.125]
P3 = [4.0, -4.0]
# One gradient per step for p1 and p2 (p2's is None where marked).
G1 = [
    [[0.1, -0.2, 0.3], [0.0, 1.0, -0.5]],
    [[-0.4, 0.25, 0.3], [2.0, -1.0, 0.0]],
    [[0.05, 0.05, -0.6], [0.5, 0.5, 0.75]],
    [[1.0, -1.0, 0.2], [-0.3, 0.0, 0.1]],
]
G2 = [[0.3, -0.1, 2.0], [-0.2, 0.6, 0.0], None, [1.0, 1.0, -1.0]]


def run(name, make, dtype=torch.float32):
    section(name)
    p1 = nn.Parameter(torch.tensor(P1, dtype=dtype))
    p2 = nn.Parameter(torch.tensor(P2, dtype=dtype))
    p3 = nn.Parameter(torch.tensor(P3, dtype=dtype))
    opt = make([p1, p2, p3])
    for k in range(4):
        p1.grad = torch.tensor(G1[k], dtype=dtype)
        p2.grad = None if G2[k] is None else torch.tensor(G2[k], dtype=dtype)
        opt.step()
        print("step %d p1 %s" % (k + 1, lit(p1)))
        print("step %d p2 %s" % (k + 1, lit(p2)))
    print("p3", lit(p3), "state keys", sorted(opt.state[p3].keys()))
    print("p1 state", {k: (None if v is None else v.item() if v.dim() == 0 else lit(v)) for k, v in sorted(opt.state[p1].items())})
    print("p2 state", {k: (None if v is None else v.item() if v.dim() == 0 else lit(v)) for k, v in sorted(opt.state[p2].items())})


run("sgd lr=0.1 momentum=0.9 nesterov wd=0.1",
    lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1))
run("sgd lr=0.05 momentum=0.8 dampening=0.5",
    lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.5))
run("sgd lr=0.1 plain",
    lambda ps: torch.optim.SGD(ps, lr=0.1))
run("adam lr=0.1",
    lambda ps: torch.optim.Adam(ps, lr=0.1))
run("adam lr=0.05 betas=(0.8,0.95) eps=1e-6 wd=0.1",
    lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1))
run("adamw lr=0.1 wd=0.1",
    lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1))
run("adamw lr=0.1 default wd",
    lambda ps: torch.optim.AdamW(ps, lr=0.1))
run("float64 adam lr=0.05 betas=(0.8,0.95) eps=1e-6 wd=0.1",
    lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1), torch.float64)
run("float64 sgd lr=0.1 momentum=0.9 nesterov wd=0.1",
    lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1), torch.float64)

# ---------------------------------------------------------------- seed 000 in miniature
# layer1's output is detached in epoch 1 (not in epoch 0). Adam(lr=1, weight_decay=0.5), as in the seed.
# With zero_grad(set_to_none=True) (2.x default) layer1 gets grad None in epoch 1 and is skipped; with
# set_to_none=False (1.x default) it gets zeros and weight decay + momentum move it.
W1 = [[0.1, -0.2, 0.3, 0.05], [-0.3, 0.2, 0.1, -0.1], [0.25, 0.15, -0.05, 0.2]]
W2 = [[0.2, -0.1, 0.3], [-0.25, 0.3, 0.1]]
X = [[1.0, 0.5, -0.5, 2.0], [-1.0, 1.5, 0.5, 0.0], [0.3, -0.7, 1.2, 0.4], [2.0, 0.1, -0.3, -1.0], [0.0, 1.0, 1.0, 1.0]]
Y = [0, 1, 1, 0, 1]


class TestDetach(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(4, 3, False)
        self.layer2 = nn.Linear(3, 2, False)

    def forward(self, x, detach):
        x = torch.relu(self.layer1(x))
        if detach:
            x = x.detach()
        return self.layer2(x)


for set_to_none in (True, False):
    section("seed000 miniature set_to_none=%s" % set_to_none)
    m = TestDetach()
    with torch.no_grad():
        m.layer1.weight.copy_(torch.tensor(W1))
        m.layer2.weight.copy_(torch.tensor(W2))
    opt = torch.optim.Adam(m.parameters(), lr=1, weight_decay=0.5)
    x = torch.tensor(X)
    y = torch.tensor(Y)
    for epoch in range(2):
        loss = nn.CrossEntropyLoss()(m(x, epoch == 1), y)
        loss.backward()
        print("epoch %d loss %.9g layer1.grad %s" % (epoch, loss.item(), None if m.layer1.weight.grad is None else lit(m.layer1.weight.grad)))
        opt.step()
        print("epoch %d layer1 %s" % (epoch, lit(m.layer1.weight)))
        print("epoch %d layer2 %s" % (epoch, lit(m.layer2.weight)))
        opt.zero_grad(set_to_none=set_to_none)

# ---------------------------------------------------------------- printing and modules
section("parameter printing")
print(repr(nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))))
print(repr(nn.Parameter(torch.tensor([[0.5, -1.0], [2.0, 0.25]]))))
print(repr(nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False)))

section("module repr")
print(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False), nn.Flatten(), nn.Dropout(0.25)))

section("named parameters")
s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
print([(n, tuple(p.shape)) for n, p in s.named_parameters()])
print(list(s.state_dict().keys()))

section("load_state_dict size mismatch")
try:
    nn.Linear(2, 3).load_state_dict(nn.Linear(4, 3).state_dict())
except Exception as e:  # noqa: BLE001
    print(type(e).__name__ + ": " + str(e))

section("linear forward with fixed weights")
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.1, 0.2, 0.3], [-0.4, 0.5, -0.6]]))
    lin.bias.copy_(torch.tensor([0.01, -0.02]))
xin = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
out = lin(xin)
print(lit(out), type(out.grad_fn).__name__)
loss = nn.MSELoss()(out, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
print("mse", "%.9gf" % loss.item(), type(loss.grad_fn).__name__)
loss.backward()
print("weight.grad", lit(lin.weight.grad))
print("bias.grad", lit(lin.bias.grad))
ce = nn.CrossEntropyLoss()(lin(xin), torch.tensor([1, 0]))
print("ce", "%.9gf" % ce.item(), type(ce.grad_fn).__name__)
