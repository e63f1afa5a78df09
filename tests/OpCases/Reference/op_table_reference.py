#!/usr/bin/python3
"""PyTorch reference values for the op table (tests/OpCases/OpTable.cs).

Run with: /usr/bin/python3 op_table_reference.py > op_table_reference.out
Float64 throughout. For each row: the grad_fn name of its result, and at each special point the value and the
gradient of the value with respect to each input (one backward of a 0-d result), as PyTorch computes them.
"""
import sys
import torch

print("# torch", torch.__version__, "python", sys.version.split()[0])

unary = [
    ("neg", lambda t: -t), ("reciprocal", lambda t: t.reciprocal()), ("exp", lambda t: t.exp()),
    ("log", lambda t: t.log()), ("sqrt", lambda t: t.sqrt()), ("abs", lambda t: t.abs()),
    ("sigmoid", lambda t: t.sigmoid()), ("tanh", lambda t: t.tanh()), ("relu", lambda t: t.relu()),
    ("softsign", lambda t: torch.nn.functional.softsign(t)),
    ("pow 0", lambda t: t ** 0.0), ("pow 1", lambda t: t ** 1.0), ("pow 2", lambda t: t ** 2.0), ("pow 3", lambda t: t ** 3.0),
    ("pow 0.5", lambda t: t ** 0.5), ("pow -1.5", lambda t: t ** -1.5),
    ("t+s", lambda t: t + 2.5), ("s+t", lambda t: 2.5 + t), ("t-s", lambda t: t - 1.5), ("s-t", lambda t: 1.5 - t),
    ("t*s", lambda t: t * -2.5), ("s*t", lambda t: -2.5 * t), ("t/s", lambda t: t / 4.0), ("s/t", lambda t: 3.0 / t),
]
binary = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a ** b),
]
unary_points = [0.0, -1.0, -2.0, 1.0]
binary_points = [(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, -1.0), (-2.0, 2.0), (-2.0, 0.5), (1.5, 0.0), (2.0, -1.0)]


def name(t):
    return type(t.grad_fn).__name__


print()
print("## grad_fn names")
a = torch.tensor([1.0, 2, 3], dtype=torch.float64, requires_grad=True)
b = torch.tensor([4.0, 5, 6], dtype=torch.float64, requires_grad=True)
for n, f in unary:
    print(n, name(f(a)))
for n, f in binary:
    print(n, name(f(a, b)))

print()
print("## unary: x value grad")
for n, f in unary:
    for p in unary_points:
        x = torch.tensor(p, dtype=torch.float64, requires_grad=True)
        y = f(x)
        (g,) = torch.autograd.grad(y, [x])
        print(n, repr(p), repr(y.item()), repr(g.item()))

print()
print("## binary: a b value grad_a grad_b")
for n, f in binary:
    for pa, pb in binary_points:
        x = torch.tensor(pa, dtype=torch.float64, requires_grad=True)
        e = torch.tensor(pb, dtype=torch.float64, requires_grad=True)
        y = f(x, e)
        ga, gb = torch.autograd.grad(y, [x, e])
        print(n, repr(pa), repr(pb), repr(y.item()), repr(ga.item()), repr(gb.item()))
