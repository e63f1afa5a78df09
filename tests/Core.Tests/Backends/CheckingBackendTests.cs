namespace Functional.Tests;

/// <summary>
/// The backend seam (Note [Backend Seam]), proved with <see cref="CheckingBackend"/>: the same ops on the CPU and on the
/// checking device give the same bits, values and gradients, and mixing the devices is refused as PyTorch refuses
/// cuda + cpu. The whole Core suite also runs with the checking backend as the default device
/// (<c>FUNCTIONAL_TEST_DEVICE=checking</c>, a second pass in <c>.ci/run</c>).
/// </summary>
public class CheckingBackendTests
{
    private static readonly Device Checked = CheckingBackend.CheckedDevice;

    private static Tensor On(Device device, double[] values, int[] shape, bool requiresGrad = true) =>
        Tensor.From(values, shape, requiresGrad, device);

    // Each case builds a scalar loss from two leaves (a [2, 3] and b [3]), so value and both gradients can be compared.
    public static TheoryData<string> Cases() =>
    [
        "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "matmul", "linear",
        "softmax", "logsoftmax", "sum-dim", "mean-dim", "max", "clone-transpose", "slice-scatter", "cross-entropy", "mse",
        "in-place", "to-float32",
    ];

    private static Tensor Loss(string op, Tensor a, Tensor b) => op switch
    {
        "add" => (a + b).Sum(),
        "sub" => (a - b * 2f).Sum(),
        "mul" => (a * b).Sum(),
        "div" => (a / (b.Abs() + 1f)).Sum(),
        "pow" => a.Abs().Pow(b).Sum() + a.Pow(3f).Sum(),
        "neg" => (-a).Sum() + (1f - b).Sum(),
        "exp" => a.Exp().Sum(),
        "log" => (a.Abs() + 0.5f).Log().Sum(),
        "sqrt" => (a.Abs() + 0.5f).Sqrt().Sum(),
        "abs" => a.Abs().Sum(),
        "sigmoid" => a.Sigmoid().Sum(),
        "tanh" => (a * b).Tanh().Sum(),
        "relu" => (a + b).Relu().Sum(),
        "matmul" => a.MatMul(b).Sum() + a.T.MatMul(a).Sum(),
        "linear" => Tensor.Linear(a, b.Unsqueeze(0).Expand(2, 3) * a, b.Slice(0, 0, 2)).Sum(),
        "softmax" => (a.Softmax(1) * b).Sum(),
        "logsoftmax" => (a.LogSoftmax(0) * b).Sum(),
        "sum-dim" => a.Sum(0).Mul(b).Sum(),
        "mean-dim" => a.Mean(1, keepDim: true).Mul(a).Sum(),
        "max" => a.Max() + b.Max(),
        "clone-transpose" => a.T.Clone().Contiguous().Reshape(3, 2).Slice(0, 1, 3).Sum() * b.Sum(),
        "slice-scatter" => a.SliceScatter(b.Unsqueeze(0), 0, 1, 2).Pow(2f).Sum(),
        "cross-entropy" => (a * b).CrossEntropy(Tensor.From([2L, 0L], device: a.Device)),
        "mse" => a.MseLoss(b.Expand(2, 3)),
        "in-place" => (a * 1f).Mul_(b).Add_(b, 0.5f).Relu_().Sum(),
        "to-float32" => (a.To(DType.Float32) * b.To(DType.Float32)).Sum().To(DType.Float64),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op),
    };

    private static (double[] Value, double[] GradA, double[] GradB) Run(string op, Device device)
    {
        var a = On(device, [0.5, -1.25, 2, 0.75, -0.3, 1.5], [2, 3]);
        var b = On(device, [1.5, -0.5, 0.25], [3]);
        var loss = Loss(op, a, b);
        Assert.Equal(device, loss.Device);
        var grads = Autograd.Grad([loss], [a, b], allowUnused: true);
        foreach (var g in grads) if (g is not null) Assert.Equal(device, g.Device);
        return (loss.ToDoubleArray(), grads[0]?.ToDoubleArray() ?? [], grads[1]?.ToDoubleArray() ?? []);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_op_on_the_checking_device_gives_the_CPU_bits(string op)
    {
        long before = CheckingBackend.Instance.TotalCalls;
        var cpu = Run(op, Device.Cpu);
        var checkedRun = Run(op, Checked);
        Assert.Equal(cpu.Value, checkedRun.Value);      // bit for bit: the same kernels ran
        Assert.Equal(cpu.GradA, checkedRun.GradA);
        Assert.Equal(cpu.GradB, checkedRun.GradB);
        Assert.True(CheckingBackend.Instance.TotalCalls > before, "the checking backend saw no kernel call");
    }

    [Fact]
    public void Mixing_devices_is_refused_with_both_named()
    {
        var a = Tensor.From([1f, 2f], device: Device.Cpu);
        var b = Tensor.From([3f, 4f], device: Checked);
        var e = Assert.Throws<DeviceMismatchException>(() => a + b);
        Assert.Contains("cpu:1", e.Message);
        Assert.Contains("same device", e.Message);
        Assert.Throws<DeviceMismatchException>(() => Tensor.From([1f, 2f, 3f, 4f], [2, 2], device: Device.Cpu).MatMul(Tensor.From([1f, 1f, 1f, 1f], [2, 2], device: Checked)));
    }

    [Fact]
    public void A_0d_tensor_follows_the_other_operand_as_PyTorch_CPU_scalars_do()
    {
        var x = Tensor.From([1f, 2f], device: Checked);
        var y = x * Tensor.Scalar(3f).To(Device.Cpu);
        Assert.Equal(Checked, y.Device);
        Assert.Equal([3f, 6f], y.ToArray());
    }

    [Fact]
    public void To_moves_between_devices_and_the_gradient_comes_back()
    {
        var x = Tensor.From([1.0, -2.0, 3.0], requiresGrad: true, device: Device.Cpu);
        var moved = x.To(Checked);
        Assert.Equal(Checked, moved.Device);
        Assert.Equal("ToCopyBackward0", moved.GradFn!.Name);
        (moved * moved).Sum().Backward();
        Assert.Equal(Device.Cpu, x.Grad!.Device);
        Assert.Equal([2.0, -4.0, 6.0], x.Grad.ToDoubleArray());   // d/dx x² = 2x
        Assert.Same(moved, moved.To(Checked));
    }

    [Fact]
    public void Optimizers_update_parameters_on_the_checking_device_as_on_the_CPU()
    {
        double[] Train(Device device, Func<Functional.Nn.Parameter[], Functional.Optim.Optimizer> make)
        {
            var w = new Functional.Nn.Parameter(Tensor.From([0.5f, -1f, 2f], device: device));
            var opt = make([w]);
            for (int i = 0; i < 3; i++)
            {
                opt.ZeroGrad();
                (w * w * Tensor.From([1f, 2f, 3f], device: device)).Sum().Backward();
                opt.Step();
            }
            Assert.Equal(device, w.Device);
            return w.ToDoubleArray();
        }
        Assert.Equal(Train(Device.Cpu, ps => new Functional.Optim.Adam(ps, 0.1f, weightDecay: 0.01f)),
                     Train(Checked, ps => new Functional.Optim.Adam(ps, 0.1f, weightDecay: 0.01f)));
        Assert.Equal(Train(Device.Cpu, ps => new Functional.Optim.Sgd(ps, 0.1f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true)),
                     Train(Checked, ps => new Functional.Optim.Sgd(ps, 0.1f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true)));
    }

    [Fact]
    public void A_run_with_the_checking_default_device_makes_every_tensor_there()
    {
        var expected = CheckingBackend.IsDefault ? Checked : Device.Cpu;
        Assert.Equal(expected, Tensor.Zeros(2).Device);
        Assert.Equal(expected, Tensor.From([1f]).Device);
        Assert.Equal(expected, Tensor.Arange(3).Device);
        Assert.Equal(expected, Tensor.Randn([2]).Device);
    }
}
