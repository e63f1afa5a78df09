#!/usr/bin/python3
"""PyTorch reference for anomaly mode (AnomalyModeTests.cs, Functional's Autograd.DetectAnomaly).

Run with: /usr/bin/python3 torch_anomaly.py > torch_anomaly.out 2>/dev/null
Prints the first line of the RuntimeError torch.autograd.detect_anomaly() raises for each case, or "no error".
(PyTorch checks for NaN only: the Inf cases pass there; Functional refuses them too, see docs/graphs.md.)
The forward traceback PyTorch prints goes to stderr as a warning and is not kept here.
"""
import sys
import warnings
import torch

warnings.simplefilter("ignore")
print("# torch", torch.__version__, "python", sys.version.split()[0])


def case(name, build):
    with torch.autograd.detect_anomaly():
        try:
            build()
            print(name + ": no error")
        except RuntimeError as e:
            print(name + ": " + str(e).splitlines()[0])


def sqrt_neg():
    x = torch.tensor([-1., 4.], requires_grad=True)
    x.sqrt().sum().backward()


def zero_times_inf():
    x = torch.tensor([0., 1.], requires_grad=True)
    y = torch.tensor([float("inf"), 1.], requires_grad=True)
    ((x * y) * 0).sum().backward()


def nan_second_input():
    x = torch.tensor([float("inf"), 1.], requires_grad=True)
    y = torch.tensor([0., 1.], requires_grad=True)
    ((x * y) * 0).sum().backward()


def log_zero():
    x = torch.tensor([0., 1.], requires_grad=True)
    x.log().sum().backward()


def sqrt_zero():
    x = torch.tensor([0., 1.], requires_grad=True)
    x.sqrt().sum().backward()


def float64_nan():
    x = torch.tensor([-1., 4.], dtype=torch.float64, requires_grad=True)
    x.sqrt().sum().backward()


def grad_api():
    x = torch.tensor([-1., 4.], requires_grad=True)
    torch.autograd.grad([x.sqrt().sum()], [x])


case("sqrt(-1)", sqrt_neg)
case("0*inf (input 0)", zero_times_inf)
case("0*inf (input 1)", nan_second_input)
case("log(0)", log_zero)
case("sqrt(0)", sqrt_zero)
case("float64 sqrt(-1)", float64_nan)
case("autograd.grad sqrt(-1)", grad_api)
print("is_anomaly_enabled after the scopes:", torch.is_anomaly_enabled())
