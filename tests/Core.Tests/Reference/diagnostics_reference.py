# PyTorch 1.13's messages for the confusions docs/diagnostics.md shows side by side with Functional's.
# Run: /usr/bin/python3 tests/Core.Tests/Reference/diagnostics_reference.py > tests/Core.Tests/Reference/diagnostics_reference.out
import warnings
import torch

warnings.simplefilter("always")


def section(name):
    print(f"== {name}")


def error(f):
    try:
        f()
        print("(no error)")
    except Exception as e:
        print(f"{type(e).__name__}: {e}")


section("detach-write")  # seed 3: a write through a detach() alias of a saved tensor
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()
c = out.detach()
c.zero_()
error(lambda: out.sum().backward())

section("step-between")  # an optimizer step between forward and backward
w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
opt = torch.optim.SGD([w], lr=0.1)
loss = w.pow(2).sum()
loss.backward(retain_graph=True)
opt.step()
error(lambda: loss.backward())

section("leaf-inplace")  # an in-place write to a leaf that requires grad
w = torch.ones(3).requires_grad_()
error(lambda: w.add_(1))

section("superseded")  # PyTorch rewrites y's history in place: the old handle is the new one
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
y2 = y.mul_(3)
print(y.sum())

section("second-backward")  # seed 8: the first backward freed the graph
x = torch.tensor([1.0, 2.0], requires_grad=True)
loss = x.exp().sum()
loss.backward()
error(lambda: loss.backward())

section("grad-none")  # why is the grad None? a detach() on the way
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x.exp().detach()
(h * w).sum().backward()
print("x.grad:", x.grad)

section("zero-grad-trap")  # zero_grad(set_to_none=False) + Adam: a detached layer still moves
w1 = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
w2 = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
opt = torch.optim.Adam([w1, w2], lr=1.0, weight_decay=0.5)
(w1 * w2).sum().backward()
opt.step()
opt.zero_grad(set_to_none=False)
(w1.detach() * w2).sum().backward()
before = w1.detach().clone()
opt.step()
print("w1.grad:", w1.grad, "moved:", not torch.equal(before, w1.detach()))

section("frozen-stale")  # requires_grad_(False) after backward keeps the old grad, and step uses it
w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
opt = torch.optim.SGD([w], lr=0.1)
(w * w).sum().backward()
w.requires_grad_(False)
opt.step()
print("w:", w.detach(), "grad:", w.grad)

section("detach-write-anomaly")  # the same as detach-write with anomaly detection on, as PyTorch's hint suggests
torch.autograd.set_detect_anomaly(True)
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = a.sigmoid()  # the traceback anomaly mode prints points here (the save), not at the zero_ below
c = out.detach()
c.zero_()
with warnings.catch_warnings(record=True) as caught:
    error(lambda: out.sum().backward())
for w in caught:
    print("UserWarning:", str(w.message).splitlines()[0])
