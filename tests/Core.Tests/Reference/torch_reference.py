#!/usr/bin/python3
"""PyTorch reference outputs for Functional tests.

Run with: /usr/bin/python3 torch_reference.py > torch_reference.out
Default torch print options, float32 unless noted.
"""
import sys
import warnings
import torch
import torch.nn.functional as F

print("# torch", torch.__version__, "python", sys.version.split()[0])


def section(name):
    print()
    print("## " + name)


def err(fn):
    """Run fn, print exact exception type and message (or 'NO ERROR')."""
    try:
        r = fn()
        print("NO ERROR")
        return r
    except Exception as e:  # noqa: BLE001
        print(type(e).__name__ + ': ' + str(e))
        return None


def gfn(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# ---------------------------------------------------------------- scenarios
section("scenario 1: sigmoid backward")
a = torch.tensor([1, 2, 3.], requires_grad=True)
print(a)
print(a.grad)
out = a.sigmoid()
print(out)
out.sum().backward()
print(a.grad)

section("scenario 2: detach shares storage")
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.detach()
print(c, c.grad_fn, c.requires_grad)
print("data_ptr equal:", c.data_ptr() == out.data_ptr())
out.sum().backward()
print("a.grad:", a.grad)
print("c.sum().backward():")
err(lambda: c.sum().backward())

section("scenario 3: detach + zero_ then backward")
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.detach()
print("versions before: out", out._version, "c", c._version)
c.zero_()
print(c)
print(out)
print("versions after: out._version", out._version, "c._version", c._version)
err(lambda: out.sum().backward())
print("a.grad:", a.grad)

section("scenario 4: .data + zero_ then backward")
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.data
print("versions before: out", out._version, "c", c._version)
c.zero_()
print(c)
print(out)
print("versions after: out._version", out._version, "c._version", c._version)
err(lambda: out.sum().backward())
print("a.grad:", a.grad)

section("scenario 5a: out=a.sigmoid().sum(); write through out.detach()")
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid().sum()
out.detach().zero_()
print(out)
print("out._version:", out._version)
err(lambda: out.backward())
print("a.grad:", a.grad)

section("scenario 5b: out=a.sigmoid().sum(); write through out.data")
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid().sum()
out.data.zero_()
print(out)
print("out._version:", out._version)
err(lambda: out.backward())
print("a.grad:", a.grad)

section("scenario 6: writes through detach visible in original")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 2
print("y._version before:", y._version)
z = y.detach()
z[0] = 100.0
print('y:', y)
print('z:', z)
print("y._version after z[0]=100:", y._version, "z._version:", z._version)
w = y.detach().clone()
w[1] = -1
print('w:', w)
print('y:', y)
print("y._version after w[1]=-1:", y._version)

section("scenario 7a: seed 004 x2**w1, w2*y2+1")
x2 = torch.tensor([0.5], requires_grad=True)
w1 = torch.tensor([2.], requires_grad=True)
w2 = torch.tensor([2.], requires_grad=True)
y2 = x2 ** w1
z2 = w2 * y2 + 1
z2.backward()
print("x2.grad:", x2.grad)
with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter("always")
    g = y2.grad
print("y2.grad:", g)
for wm in ws:
    print("warning " + wm.category.__name__ + ": " + str(wm.message))
print("w1.grad:", w1.grad)
print("w2.grad:", w2.grad)
print(y2)
print(z2)

section("scenario 7b: with y2.retain_grad()")
x2 = torch.tensor([0.5], requires_grad=True)
w1 = torch.tensor([2.], requires_grad=True)
w2 = torch.tensor([2.], requires_grad=True)
y2 = x2 ** w1
y2.retain_grad()
z2 = w2 * y2 + 1
z2.backward()
print("x2.grad:", x2.grad)
print("y2.grad:", y2.grad)
print("w1.grad:", w1.grad)
print("w2.grad:", w2.grad)
print(y2)
print(z2)

section("scenario 7c: hook on y2 doubling gradient")
x2 = torch.tensor([0.5], requires_grad=True)
w1 = torch.tensor([2.], requires_grad=True)
w2 = torch.tensor([2.], requires_grad=True)
y2 = x2 ** w1
y2.register_hook(lambda g: g * 2)
z2 = w2 * y2 + 1
z2.backward()
print("x2.grad:", x2.grad)
print("w1.grad:", w1.grad)
print("w2.grad:", w2.grad)

section("scenario 7d: hook doubling + retain_grad (retain_grad registered AFTER hook)")
x2 = torch.tensor([0.5], requires_grad=True)
w1 = torch.tensor([2.], requires_grad=True)
w2 = torch.tensor([2.], requires_grad=True)
y2 = x2 ** w1
y2.register_hook(lambda g: g * 2)
y2.retain_grad()
z2 = w2 * y2 + 1
z2.backward()
print("y2.grad:", y2.grad)
print("x2.grad:", x2.grad)

section("scenario 7e: retain_grad registered BEFORE doubling hook")
x2 = torch.tensor([0.5], requires_grad=True)
w1 = torch.tensor([2.], requires_grad=True)
w2 = torch.tensor([2.], requires_grad=True)
y2 = x2 ** w1
y2.retain_grad()
y2.register_hook(lambda g: g * 2)
z2 = w2 * y2 + 1
z2.backward()
print("y2.grad:", y2.grad)
print("x2.grad:", x2.grad)

section("scenario 8a: backward twice")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x.sigmoid().sum()
y.backward()
print("x.grad after 1st:", x.grad)
err(lambda: y.backward())

section("scenario 8b: retain_graph=True twice")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x.sigmoid().sum()
y.backward(retain_graph=True)
print("x.grad after 1st:", x.grad)
y.backward(retain_graph=True)
print("x.grad after 2nd:", x.grad)

section("scenario 8c: create_graph")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = (x ** 3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
print(g)
print("x.grad after autograd.grad:", x.grad)
g.sum().backward()
print(x.grad)

section("scenario 8d: y=x.sum(); backward twice (SumBackward saves nothing)")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x.sum()
y.backward()
print("x.grad after 1st:", x.grad)
err(lambda: y.backward())
print("x.grad after 2nd:", x.grad)

section("scenario 8e: y=(x*2).sum(); backward twice (MulBackward0 with python scalar: saves the wrapped scalar 'other')")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = (x * 2).sum()
y.backward()
err(lambda: y.backward())
print("x.grad:", x.grad)

section("scenario 9: non-scalar backward")
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 2
err(lambda: y.backward())
y.backward(torch.tensor([1., 0.1, 0.01]))
print(x.grad)

section("scenario 10: in-place on leaf requiring grad")
a = torch.tensor([1., 2., 3.], requires_grad=True)
print("a.zero_():")
err(lambda: a.zero_())
print("a.add_(1):")
err(lambda: a.add_(1))
print("a[0]=5:")


def _setitem():
    a[0] = 5
err(_setitem)
print("a.view(3)[0:1].mul_(2):")
err(lambda: a.view(3)[0:1].mul_(2))
print("a[0:1].mul_(2):")
err(lambda: a[0:1].mul_(2))
print("a after failed attempts:", a, "a._version:", a._version)
with torch.no_grad():
    a.zero_()
print(a)
print("a._version:", a._version)

section("scenario 11a: detach_ on non-saved intermediate")
x = torch.tensor([1., 1.], requires_grad=True)
m = x * 3
y = (m * 2).sum()
m.detach_()
err(lambda: y.backward())
print(x.grad)
print(m, m.requires_grad, m.grad_fn)

section("scenario 11b: detach_ on saved intermediate (m*m)")
x = torch.tensor([1., 1.], requires_grad=True)
m = x * 3
y = (m * m).sum()
m.detach_()
print("m._version:", m._version)
err(lambda: y.backward())
print(x.grad)
print(m, m.requires_grad, m.grad_fn)

# ---------------------------------------------------------------- grad_fn names
section("grad_fn names")
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = torch.tensor([4., 5., 6.], requires_grad=True)
M = torch.randn(2, 3, requires_grad=True)
N = torch.randn(3, 4, requires_grad=True)
v3 = torch.randn(3, requires_grad=True)
v2 = torch.randn(2, requires_grad=True)
B1 = torch.randn(5, 2, 3, requires_grad=True)
B2 = torch.randn(5, 3, 4, requires_grad=True)
W = torch.randn(4, 3, requires_grad=True)
bias = torch.randn(4, requires_grad=True)
X2 = torch.randn(2, 3, requires_grad=True)
X3 = torch.randn(5, 2, 3, requires_grad=True)
logits = torch.randn(2, 3, requires_grad=True)
target = torch.tensor([2, 0])
logp = F.log_softmax(logits, dim=1)
Mt = M.t()  # non-contiguous

cases = [
    ("a+b", lambda: a + b),
    ("a+2", lambda: a + 2),
    ("2+a", lambda: 2 + a),
    ("a-b", lambda: a - b),
    ("a-2", lambda: a - 2),
    ("2-a", lambda: 2 - a),
    ("a*b", lambda: a * b),
    ("a*2", lambda: a * 2),
    ("2*a", lambda: 2 * a),
    ("a/b", lambda: a / b),
    ("a/2", lambda: a / 2),
    ("2/a", lambda: 2 / a),
    ("-a", lambda: -a),
    ("a**2", lambda: a ** 2),
    ("a**b", lambda: a ** b),
    ("2**a", lambda: 2 ** a),
    ("exp", lambda: a.exp()),
    ("log", lambda: a.log()),
    ("sqrt", lambda: a.sqrt()),
    ("abs", lambda: a.abs()),
    ("sigmoid", lambda: a.sigmoid()),
    ("tanh", lambda: a.tanh()),
    ("relu", lambda: a.relu()),
    ("F.relu", lambda: F.relu(a)),
    ("softmax(dim=0)", lambda: a.softmax(dim=0)),
    ("log_softmax(dim=0)", lambda: a.log_softmax(dim=0)),
    ("sum()", lambda: M.sum()),
    ("sum(0)", lambda: M.sum(0)),
    ("sum(0,keepdim=True)", lambda: M.sum(0, keepdim=True)),
    ("mean()", lambda: M.mean()),
    ("mean(0)", lambda: M.mean(0)),
    ("max()", lambda: a.max()),
    ("max(0) values", lambda: M.max(0).values),
    ("matmul 1D.1D", lambda: v3 @ a),
    ("matmul 2D@1D", lambda: M @ v3),
    ("matmul 1D@2D", lambda: v2 @ M),
    ("matmul 2D@2D", lambda: M @ N),
    ("matmul 3D@3D", lambda: B1 @ B2),
    ("matmul 3D@2D", lambda: B1 @ N),
    ("F.linear 2D no bias", lambda: F.linear(X2, W)),
    ("F.linear 2D bias", lambda: F.linear(X2, W, bias)),
    ("F.linear 3D bias", lambda: F.linear(X3, W, bias)),
    ("F.linear 3D no bias", lambda: F.linear(X3, W)),
    ("clone", lambda: a.clone()),
    ("contiguous (transposed)", lambda: Mt.contiguous()),
    ("contiguous (already contiguous)", lambda: M.contiguous()),
    ("reshape view-able (2,3)->(3,2)", lambda: M.reshape(3, 2)),
    ("reshape non-view-able (M.t().reshape(6))", lambda: Mt.reshape(6)),
    ("view", lambda: M.view(6)),
    ("transpose(0,1)", lambda: M.transpose(0, 1)),
    (".t()", lambda: M.t()),
    (".T", lambda: M.T),
    ("narrow(0,0,2)", lambda: a.narrow(0, 0, 2)),
    ("a[0:2]", lambda: a[0:2]),
    ("a[0] (int index)", lambda: a[0]),
    ("M[:,1:3]", lambda: M[:, 1:3]),
    ("expand", lambda: a.unsqueeze(0).expand(2, 3)),
    ("flatten", lambda: B1.flatten()),
    ("squeeze(0)", lambda: M.unsqueeze(0).squeeze(0)),
    ("unsqueeze(0)", lambda: a.unsqueeze(0)),
    ("F.cross_entropy", lambda: F.cross_entropy(logits, target)),
    ("F.nll_loss", lambda: F.nll_loss(logp, target)),
]
for name, fn in cases:
    t = fn()
    print(f"{name:45s} {str(gfn(t)):28s} name()={t.grad_fn.name() if t.grad_fn is not None else None}")



def chain(t, depth=0, node=None):
    """Full backward graph below t.grad_fn (indented tree)."""
    node = t.grad_fn if node is None else node
    out = []

    def rec(n, d):
        out.append("    " + "  " * d + type(n).__name__)
        for nx, _ in n.next_functions:
            if nx is not None:
                rec(nx, d + 1)
    rec(node, 0)
    return "\n".join(out)


print("-- backward graphs (composites) ")
graphs = [
    ("F.cross_entropy", lambda: F.cross_entropy(logits, target)),
    ("2/a", lambda: 2 / a),
    ("2-a", lambda: 2 - a),
    ("matmul 1D@2D", lambda: v2 @ M),
    ("matmul 3D@3D", lambda: B1 @ B2),
    ("matmul 3D@2D", lambda: B1 @ N),
    ("F.linear 2D no bias", lambda: F.linear(X2, W)),
    ("F.linear 2D bias", lambda: F.linear(X2, W, bias)),
    ("F.linear 3D bias", lambda: F.linear(X3, W, bias)),
    ("F.linear 3D no bias", lambda: F.linear(X3, W)),
    ("reshape non-view-able", lambda: Mt.reshape(6)),
    ("flatten", lambda: B1.flatten()),
]
for name, fn in graphs:
    print("  " + name + ":")
    print(chain(fn()))

print("-- in-place on non-leaf b=a*1 (grad_fn after op)")
inplace = [
    ("zero_", lambda t: t.zero_()),
    ("fill_(1.)", lambda t: t.fill_(1.)),
    ("add_(1)", lambda t: t.add_(1)),
    ("add_(tensor)", lambda t: t.add_(torch.ones(3))),
    ("sub_(1)", lambda t: t.sub_(1)),
    ("mul_(2)", lambda t: t.mul_(2)),
    ("mul_(tensor)", lambda t: t.mul_(torch.ones(3))),
    ("div_(2)", lambda t: t.div_(2)),
    ("copy_(tensor)", lambda t: t.copy_(torch.ones(3))),
    ("relu_", lambda t: t.relu_()),
    ("sigmoid_", lambda t: t.sigmoid_()),
]
for name, fn in inplace:
    bb = a * 1
    r = fn(bb)
    print(f"{name:45s} {str(gfn(bb)):28s} returns self: {r is bb}  _version={bb._version}")


def setitem_case(val):
    bb = a * 1
    bb[0] = val
    return bb
bb = setitem_case(5.0)
print(f"{'b[0]=5.0 (python scalar)':45s} {str(gfn(bb)):28s} _version={bb._version}")
bb = setitem_case(torch.tensor(5.0))
print(f"{'b[0]=torch.tensor(5.) (no grad)':45s} {str(gfn(bb)):28s} _version={bb._version}")
bb = setitem_case(torch.tensor(5.0, requires_grad=True) * 1)
print(f"{'b[0]=x (x requires grad)':45s} {str(gfn(bb)):28s} _version={bb._version}")
bb = a * 1
bb[0:2] = torch.tensor([7., 8.])
print(f"{'b[0:2]=tensor':45s} {str(gfn(bb)):28s} _version={bb._version}")
print("   b[0]=x where x requires grad, then backward of b.sum():")
xx = torch.tensor(5.0, requires_grad=True)
aa = torch.tensor([1., 2., 3.], requires_grad=True)
bb = aa * 1
bb[0] = xx
bb.sum().backward()
print("   aa.grad:", aa.grad, " xx.grad:", xx.grad)
print("-- in-place on a view of a non-leaf: v=b[0:2]; v.mul_(2)")
bb = a * 1
v = bb[0:2]
v.mul_(2)
print("   v.grad_fn:", gfn(v), " b.grad_fn:", gfn(bb), " b._version:", bb._version, " v._version:", v._version)

# ---------------------------------------------------------------- printing
section("print formatting")
items = [
    ("tensor([0.7311,0.8808,0.9526])", lambda: torch.tensor([1., 2., 3.]).sigmoid()),
    ("torch.zeros(3)", lambda: torch.zeros(3)),
    ("torch.tensor([1.,2.,3.])", lambda: torch.tensor([1., 2., 3.])),
    ("torch.tensor([100.,4.,6.])", lambda: torch.tensor([100., 4., 6.])),
    ("torch.tensor([1e-5, 1.0])", lambda: torch.tensor([1e-5, 1.0])),
    ("torch.tensor([1e9, 1.0])", lambda: torch.tensor([1e9, 1.0])),
    ("torch.tensor([-1.5, 2.25])", lambda: torch.tensor([-1.5, 2.25])),
    ("torch.tensor(2.5644)", lambda: torch.tensor(2.5644)),
    ("torch.tensor(3.)", lambda: torch.tensor(3.)),
    ("torch.tensor([1,2,3]) int64", lambda: torch.tensor([1, 2, 3])),
    ("torch.tensor([1.,2.],dtype=torch.float64)", lambda: torch.tensor([1., 2.], dtype=torch.float64)),
    ("torch.tensor([0.1,0.2],dtype=torch.float64)", lambda: torch.tensor([0.1, 0.2], dtype=torch.float64)),
    ("torch.tensor([[1.,2.],[3.,4.]])", lambda: torch.tensor([[1., 2.], [3., 4.]])),
    ("torch.arange(24.).reshape(2,3,4)", lambda: torch.arange(24.).reshape(2, 3, 4)),
    ("manual_seed(0); torch.randn(64,196)", lambda: (torch.manual_seed(0), torch.randn(64, 196))[1]),
    ("torch.arange(2000.)", lambda: torch.arange(2000.)),
    ("torch.tensor([nan, 1.0, inf])", lambda: torch.tensor([float('nan'), 1.0, float('inf')])),
    ("torch.tensor([nan, 1.5])", lambda: torch.tensor([float('nan'), 1.5])),
    ("torch.tensor([-inf, 2.0])", lambda: torch.tensor([float('-inf'), 2.0])),
    ("torch.empty(0)", lambda: torch.empty(0)),
    ("torch.empty(0, 3)", lambda: torch.empty(0, 3)),
    ("3-vector requires_grad", lambda: torch.tensor([1., 2., 3.], requires_grad=True)),
    ("scalar requires_grad", lambda: torch.tensor(2., requires_grad=True)),
    ("torch.ones(2,2,requires_grad=True)*2", lambda: torch.ones(2, 2, requires_grad=True) * 2),
    ("torch.ones(3,requires_grad=True).sum()", lambda: torch.ones(3, requires_grad=True).sum()),
    ("float64 requires_grad", lambda: torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)),
    ("float64 non-leaf (x*2)", lambda: torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True) * 2),
    ("torch.linspace(-1,1,30)", lambda: torch.linspace(-1, 1, 30)),
    ("torch.linspace(-1,1,30).reshape(1,30)", lambda: torch.linspace(-1, 1, 30).reshape(1, 30)),
    ("torch.tensor([4.9653e-05,-3.5658e-04,1.1512e-03])", lambda: torch.tensor([4.9653e-05, -3.5658e-04, 1.1512e-03])),
    ("torch.tensor([True, False]) bool", lambda: torch.tensor([True, False])),
]
for name, fn in items:
    print("# " + name)
    print(fn())

# ---------------------------------------------------------------- errors
section("error texts")
print("# a+b shapes [2,3] and [4]")
err(lambda: torch.ones(2, 3) + torch.ones(4))
print("# matmul [2,3]@[4,5]")
err(lambda: torch.ones(2, 3) @ torch.ones(4, 5))
print("# matmul 1D [3]@[4]")
err(lambda: torch.ones(3) @ torch.ones(4))
print("# autograd.grad with unused input (allow_unused=False)")
x = torch.tensor([1., 2.], requires_grad=True)
u = torch.tensor([1., 2.], requires_grad=True)
err(lambda: torch.autograd.grad((x * 2).sum(), [x, u]))
print("# autograd.grad with unused input, allow_unused=True -> result")
print(torch.autograd.grad((x * 2).sum(), [x, u], allow_unused=True))
print("# autograd.grad on an input that does not require grad")
nr = torch.tensor([1., 2.])
err(lambda: torch.autograd.grad((x * 2).sum(), nr))
print("# autograd.grad of output that does not require grad")
err(lambda: torch.autograd.grad(nr.sum(), x))
print("# backward on tensor that does not require grad")
err(lambda: nr.sum().backward())
print("# retain_grad on tensor that does not require grad")
err(lambda: torch.tensor([1., 2.]).retain_grad())
print("# retain_grad on leaf requiring grad (no-op?)")
err(lambda: torch.tensor([1., 2.], requires_grad=True).retain_grad())
print("# register_hook on tensor that does not require grad")
err(lambda: torch.tensor([1., 2.]).register_hook(lambda g: g))
print("# detach_() on a view (b=a*1; v=b[0:2]; v.detach_())")
a = torch.tensor([1., 2., 3.], requires_grad=True)
bb = a * 1
v = bb[0:2]
err(lambda: v.detach_())
print("# detach_() on a view of a leaf (a[0:2].detach_())")
err(lambda: a[0:2].detach_())
print("# version error with saved leaf: y=x*x; no_grad x.mul_(2); y.sum().backward()")
x = torch.tensor([1., 2.], requires_grad=True)
y = x * x
with torch.no_grad():
    x.mul_(2)
print("x._version:", x._version)
err(lambda: y.sum().backward())
print("# version error with saved output (y=x.exp(); y.mul_(2)... uses exp result)")
x = torch.tensor([1., 2.], requires_grad=True)
y = x.exp()
y.mul_(2)
err(lambda: y.sum().backward())
print("# version error: sigmoid output modified in-place via add_ (non-detached)")
x = torch.tensor([1., 2.], requires_grad=True)
y = x.sigmoid()
y.add_(1)
err(lambda: y.sum().backward())
print("# requires_grad_ on non-leaf: (a*1).requires_grad_(False)")
a = torch.tensor([1., 2.], requires_grad=True)
err(lambda: (a * 1).requires_grad_(False))
print("# requires_grad on int tensor")
err(lambda: torch.tensor([1, 2]).requires_grad_())
print("# view on non-contiguous: M.t().view(6)")
err(lambda: torch.ones(2, 3).t().view(6))
print("# view with wrong numel: torch.ones(2,3).view(4)")
err(lambda: torch.ones(2, 3).view(4))
print("# reshape with wrong numel: torch.ones(2,3).reshape(4)")
err(lambda: torch.ones(2, 3).reshape(4))
print("# backward grad shape mismatch: y=x*2 (3,), y.backward(torch.ones(2))")
x = torch.tensor([1., 2., 3.], requires_grad=True)
err(lambda: (x * 2).backward(torch.ones(2)))

# ---------------------------------------------------------------- max ties
section("max() backward with ties")
x = torch.tensor([1., 3., 3.], requires_grad=True)
m = x.max()
print(m)
m.backward()
print(x.grad)
print("# amax() ties")
x = torch.tensor([1., 3., 3.], requires_grad=True)
x.amax().backward()
print(x.grad)
print("# max(dim=0) ties")
x = torch.tensor([1., 3., 3.], requires_grad=True)
r = x.max(dim=0)
print(r)
r.values.backward()
print(x.grad)

# ---------------------------------------------------------------- cross entropy
section("cross_entropy float32")
logits = torch.tensor([[1., 2., 3.], [1., -1., 0.]], requires_grad=True)
target = torch.tensor([2, 0])
loss = F.cross_entropy(logits, target)
print(loss)
loss.backward()
print(logits.grad)

section("cross_entropy float64 (10 digits)")
logits = torch.tensor([[1., 2., 3.], [1., -1., 0.]], dtype=torch.float64, requires_grad=True)
loss = F.cross_entropy(logits, target)
print(loss)
loss.backward()
print(logits.grad)
torch.set_printoptions(precision=10)
print(loss)
print(logits.grad)
print("loss repr():", repr(loss.item()))
print("grad values:", [repr(v) for v in logits.grad.flatten().tolist()])
torch.set_printoptions(profile="default")

# ---------------------------------------------------------------- exact float32 values (tolist)
# Full-precision values for the seed scenarios and autograd semantics tests (SeedScenarioTests.cs,
# AutogradSemanticsTests.cs); each line is "label: [values as Python floats]".
section("exact float32 values (tolist)")


def exact(label, t):
    print(label + ":", [repr(v) for v in t.detach().flatten().tolist()])


a = torch.tensor([1., 2., 3.], requires_grad=True)
out = a.sigmoid()
exact("s1 sigmoid([1,2,3])", out)
out.sum().backward(retain_graph=True)
exact("s1 a.grad", a.grad)
out.sum().backward()
exact("s8b x.grad after 2nd", a.grad)

for hooked in (False, True):
    x2 = torch.tensor([0.5], requires_grad=True)
    w1 = torch.tensor([2.], requires_grad=True)
    w2 = torch.tensor([2.], requires_grad=True)
    y2 = x2 ** w1
    if hooked:
        y2.register_hook(lambda g: g * 2)
    (w2 * y2 + 1).backward()
    tag = "s7c (hook g*2)" if hooked else "s7a"
    exact(tag + " x2.grad", x2.grad)
    exact(tag + " w1.grad", w1.grad)
    exact(tag + " w2.grad", w2.grad)

x = torch.tensor([1., 2., 3.], requires_grad=True)
b = x * 2
b.mul_(3)
(b * b).sum().backward()
exact("inplace b=x*2; b.mul_(3); (b*b).sum() x.grad", x.grad)

x = torch.tensor([0.5], requires_grad=True)
y = x
for _ in range(100000):
    y = y * 1.0001 + 0.0001
y.backward()
exact("chain 100000x (y*1.0001+0.0001) from 0.5 y", y)
exact("chain 100000x (y*1.0001+0.0001) from 0.5 x.grad", x.grad)

# zero_/fill_/copy_ give the overwritten value a zeros_like(grad) gradient (not None);
# add_/sub_ with alpha save no tensor, so a second backward through them works.
for label, op in (("zero_", lambda b, t: b.zero_()), ("fill_(2.)", lambda b, t: b.fill_(2.)),
                  ("copy_(t)", lambda b, t: b.copy_(t))):
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    t = torch.ones(3, requires_grad=True)
    b = x * 1
    op(b, t)
    b.sum().backward()
    print("inplace b=x*1; b." + label + "; b.sum() x.grad:", None if x.grad is None else [repr(v) for v in x.grad.tolist()],
          "t.grad:", None if t.grad is None else [repr(v) for v in t.grad.tolist()])
for label, op in (("add_(t, alpha=2)", lambda b, t: b.add_(t, alpha=2)), ("sub_(t, alpha=2)", lambda b, t: b.sub_(t, alpha=2))):
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    t = torch.ones(3, requires_grad=True)
    b = x.clone()
    y = op(b, t).sum()
    y.backward()
    err(lambda: y.backward())
    print("inplace b=x.clone(); b." + label + "; y.backward() twice: x.grad", [repr(v) for v in x.grad.tolist()],
          "t.grad", [repr(v) for v in t.grad.tolist()])
