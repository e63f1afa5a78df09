#!/usr/bin/python3
"""PyTorch reference for the graph view (GraphViewTests.cs, Functional's Graphs.ToDot and src/Cli/SeedGraphs.cs).

Run with: /usr/bin/python3 torch_graphs.py > torch_graphs.out
For each graph of SeedGraphs.cs (same ops, same order) and a few extra graphs, prints the grad_fn names in the order of
a depth-first walk of grad_fn.next_functions from the tensor: a node is listed when first reached, inputs in order,
None entries skipped. Graphs.ToDot numbers its op nodes in the same walk order, so the names must match line for line.
Also prints the versions the graph view shows (torch's _version, and the error unpacking a stale saved tensor gives).
"""
import sys
import torch

print("# torch", torch.__version__, "python", sys.version.split()[0])


def walk(t):
    names = []
    seen = set()
    fn = t.grad_fn
    if fn is None:
        return names
    names.append(type(fn).__name__)
    seen.add(fn)
    stack = [(fn, 0)]
    while stack:
        n, k = stack.pop()
        if k >= len(n.next_functions):
            continue
        stack.append((n, k + 1))
        child = n.next_functions[k][0]
        if child is None or child in seen:
            continue
        seen.add(child)
        names.append(type(child).__name__)
        stack.append((child, 0))
    return names


def show(name, t):
    print(name + ": " + " ".join(walk(t)))


def leaf(values, requires_grad=True):
    return torch.tensor(values, requires_grad=requires_grad)


# ---- the seed graphs (SeedGraphs.Graph1..Graph11) ----
a = leaf([1., 2., 3.]); out = a.sigmoid()
show("01-sigmoid", out.sum())

a = leaf([1., 2., 3.]); out = a.sigmoid(); c = out.detach()
show("02-detach", (out * c).sum())

a = leaf([1., 2., 3.]); out = a.sigmoid(); c = out.detach(); c.zero_()
loss = out.sum()
show("03-version-error", loss)
try:
    out.grad_fn._saved_result  # unpacking checks the version, as backward does
except RuntimeError as e:
    print("03-version-error unpack: " + str(e).split(" Hint:")[0])

a = leaf([1., 2., 3.]); out = a.sigmoid(); c = out.data; c.zero_()
show("04-data-write", out.sum())
print("04-data-write out version %d" % out._version)

a = leaf([1., 2., 3.]); out = a.sigmoid().sum(); out.detach().zero_()
show("05-sum-saves-nothing", out)

x = leaf([1., 2., 3.]); y = x * 2; z = y.detach(); z[0] = 100.
show("06-detach-shares-storage", y)
print("06-detach-shares-storage y version %d" % y._version)

x2 = leaf([0.5]); w1 = leaf([2.]); w2 = leaf([2.]); y2 = x2.pow(w1); z2 = w2 * y2 + 1
show("07-pow-mul-add", z2)

x3 = leaf([1., 2., 3.])
dy = torch.autograd.grad([x3.pow(3).sum()], [x3], create_graph=True)[0]
show("08-create-graph", dy)

x = leaf([1., 2., 3.]); y = x * 2
show("09-non-scalar", y)

a = leaf([1., 2., 3.])
with torch.no_grad():
    a.zero_()
show("10-leaf-written", a)
print("10-leaf-written a version %d" % a._version)

x2 = leaf([1., 1.]); m2 = x2 * 3; y2 = (m2 * m2).sum(); m2.detach_()
show("11-detach-in-place", y2)

# ---- extra graphs (GraphViewTests.cs) ----
x = leaf([[1., 2.], [3., 4.]]); w = leaf([[0.5, -1.], [2., 0.25]]); b = leaf([0.1, -0.2])
show("linear-relu-mean", (x.matmul(w) + b).relu().mean())

x = leaf([1., 2., 3.])
show("diamond", (x.exp() * x.tanh()).sum())

x = leaf([1., 2., 3.]); y = leaf([4., 5., 6.])
show("sub-div-neg", (-(x - y) / y).sum())

x = leaf([[1., 2., 3.], [4., 5., 6.]])
show("softmax-log", x.softmax(1).log().sum())
