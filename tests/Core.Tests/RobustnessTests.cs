namespace Functional.Tests;

/// <summary>
/// Cases a review of the core found: aliasing of gradient accumulators, writes that would bypass the graph,
/// concurrency, float accumulation, empty dimensions and non-finite values. Expected numbers come from
/// PyTorch 1.13 (/usr/bin/python3) unless a comment says otherwise.
/// </summary>
public class RobustnessTests
{
    private static Tensor Vec(params float[] v) => Tensor.From(v, requiresGrad: true);

    [Fact]
    public void Grad_accumulators_never_alias_each_other_or_the_seed()
    {
        // AddBackward0 sends one tensor to both inputs; each leaf must get its own copy.
        var x = Vec(1, 2, 3); var y = Vec(1, 2, 3);
        (x + y).Sum().Backward(createGraph: true);
        using (Autograd.NoGrad()) x.Grad!.Zero_();
        Assert.Equal([1f, 1f, 1f], y.Grad!.ToArray());

        var w = Tensor.From([1f, 1f, 1f]);
        var z = Vec(1, 2, 3);
        z.Backward(w, createGraph: true);
        (z * 1f).Backward(Tensor.Ones(3));
        Assert.Equal([1f, 1f, 1f], w.ToArray());
        Assert.Equal([2f, 2f, 2f], z.Grad!.ToArray());
    }

    [Fact]
    public void A_sum_gradient_stored_after_createGraph_accumulates_elementwise()
    {
        // torch: x.sum().backward(create_graph=True); (x*x).sum().backward() -> x.grad [3, 5, 7]
        var x = Vec(1, 2, 3);
        x.Sum().Backward(createGraph: true);
        var first = x.Grad;
        (x * x).Sum().Backward();
        Assert.Equal([3f, 5f, 7f], x.Grad!.ToArray());
        Assert.Same(first, x.Grad);   // Grad is the accumulator itself: added into in place
    }

    [Fact]
    public void A_view_taken_before_a_recorded_in_place_op_on_its_base_is_refused_even_without_history()
    {
        // torch gives x.grad [2, 2, 1, 1] here by regenerating v's grad_fn; we refuse instead of computing [1, 1, 1, 1].
        var x = Vec(1, 2, 3, 4);
        var b = Tensor.Zeros(4);
        var v = b.Slice(0, 0, 2);
        var b2 = b.Add_(x);
        Assert.Throws<SupersededTensorException>(() => v * 1f);
        using (Autograd.NoGrad()) Assert.Equal([1f, 2f], (v * 1f).ToArray());   // values stay readable
        Assert.Equal([1f, 2f, 3f, 4f], b2.ToArray());
    }

    [Fact]
    public void An_in_place_write_to_a_superseded_handle_is_refused_while_grad_mode_is_on()
    {
        // torch: h.add_(x); h.mul_(0.5) records both, so the gradient is 0.5; writing the stale handle would give 1.
        var x = Vec(1, 2);
        var h = Tensor.Zeros(2);
        var h2 = h.Add_(x);
        Assert.Throws<SupersededTensorException>(() => h.Mul_(0.5f));
        var h3 = h2.Mul_(0.5f);
        h3.Sum().Backward();
        Assert.Equal([0.5f, 0.5f], x.Grad!.ToArray());
    }

    [Fact]
    public void A_view_taken_under_NoGrad_cannot_be_written_with_grad_mode_on()
    {
        // torch: "A view was created in no_grad mode and is being modified inplace with grad mode enabled..."
        var y = Vec(1, 2, 3) * 1f;
        Tensor v;
        using (Autograd.NoGrad()) v = y.Slice(0, 0, 2);
        var e = Assert.Throws<AutogradException>(() => v.Mul_(2f));
        Assert.StartsWith("A view was created in no_grad mode", e.Message);
        Assert.Equal([1f, 2f, 3f], y.ToArray());
        using (Autograd.NoGrad()) v.Mul_(2f);   // both inside no_grad: allowed, untracked
        Assert.Equal([2f, 4f, 3f], y.ToArray());
    }

    [Fact]
    public void Writing_into_an_expanded_tensor_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(1).Expand(3).Add_(Tensor.From([1f, 2f, 3f])));
        Assert.StartsWith("unsupported operation: more than one element of the written-to tensor refers to a single memory location.", e.Message);
    }

    [Fact]
    public void Concurrent_backward_passes_sharing_a_leaf_lose_no_update()
    {
        var w = Vec(0, 0, 0);
        const int threads = 4, steps = 500;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            for (int i = 0; i < steps; i++) (w * 1f).Sum().Backward();
        });
        Assert.Equal([2000f, 2000f, 2000f], w.Grad!.ToArray());   // hand count: threads * steps
    }

    [Fact]
    public void Float32_sums_are_accurate_over_a_million_elements()
    {
        // torch: full((1000000, 4), 0.1).sum(0) -> 99999.9141 each; full((4000000,), 0.1).sum() -> 399999.9375.
        // A running float sum gives 100958.34 and 399050.2 (errors of 1% and 0.24%).
        foreach (var v in Tensor.Full([1_000_000, 4], 0.1f).Sum(0).ToArray())
            Assert.InRange(v, 99999.0f, 100001.0f);
        Assert.InRange(Tensor.Full([4_000_000], 0.1f).Sum().Item(), 399996f, 400004f);
    }

    [Fact]
    public void Autograd_Grad_frees_only_the_nodes_it_ran()
    {
        // torch: autograd.grad([loss], [x]) then loss.backward() works and gives y.grad = exp(y) = [1, 2.7183].
        var x = Vec(1, 2); var y = Vec(0, 1);
        var loss = x.Sum() + y.Exp().Sum();
        Autograd.Grad([loss], [x]);
        loss.Backward();
        Assert.Equal(1f, y.Grad!.ToArray()[0], 4);
        Assert.Equal(MathF.E, y.Grad!.ToArray()[1], 4);
    }

    [Fact]
    public void CrossEntropy_with_a_minus_infinity_logit_is_finite()
    {
        // torch: cross_entropy([[0, -inf], [1, 2]], [0, 1]) -> 0.1566
        var logits = Tensor.From([0f, float.NegativeInfinity, 1f, 2f], [2, 2]);
        Assert.Equal(0.1566f, logits.CrossEntropy(Tensor.From([0L, 1L])).Item(), 4);
    }

    [Fact]
    public void Max_sends_its_gradient_to_a_NaN_element()
    {
        // torch: x = [1, nan, 3]; x.max().backward() -> x.grad [0, 1, 0]
        var x = Vec(1, float.NaN, 3);
        x.Max().Backward();
        Assert.Equal([0f, 1f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void Reductions_over_an_empty_dimension()
    {
        // torch: zeros(0, 3).sum(0) -> [0, 0, 0]; zeros(2, 0, 3).mean(1) -> nan of shape [2, 3]
        Assert.Equal([0f, 0f, 0f], Tensor.Zeros(0, 3).Sum(0).ToArray());
        var m = Tensor.Zeros(2, 0, 3).Mean(1);
        Assert.Equal([2, 3], m.Shape.ToArray());
        Assert.All(m.ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 0).ArgMax(1));
        Assert.True(Tensor.Zeros(0, 4).Transpose(0, 1).IsContiguous);
    }

    [Fact]
    public void An_empty_tensor_whose_strides_and_offsets_pass_int_range_reads_as_empty()
    {
        // torch: z = zeros(0, 65536, 65536) has strides (4294967296, 65536, 1); t = z[:, 40000:] has storage offset
        // 2621440000, t.tolist() -> [], repr(t) -> "tensor([], size=(0, 25536, 65536))", t.sum() -> 0, and
        // t.sum().backward() gives z a grad of z's shape.
        var z = Tensor.Zeros(0, 65536, 65536).RequiresGrad_();
        var t = z.Slice(1, 40000, 65536);
        Assert.Equal([0, 25536, 65536], t.Shape.ToArray());
        Assert.Empty(t.ToArray());
        Assert.Empty(t.ToDoubleArray());
        Assert.Equal("tensor([], size=(0, 25536, 65536), grad_fn=<SliceBackward0>)", t.ToString());
        Assert.Equal("tensor([], size=(0, 25536, 65536))", t.Detach().Contiguous().ToString());
        Assert.Empty(t.Clone().ToArray());
        Assert.Empty((t + 1f).ToArray());
        Assert.Equal([0, 65536], t.Select(1, 0).Shape.ToArray());
        Assert.Empty(t.Select(1, 25535).ToArray());
        var sum = t.Sum();
        Assert.Equal(0f, sum.Item());
        sum.Backward();
        Assert.Equal([0, 65536, 65536], z.Grad!.Shape.ToArray());
        // torch's strides of zeros(0, 50000, 50000) are (2500000000, 50000, 1); the first does not fit an int and
        // saturates (no element is ever addressed through it) instead of wrapping to a negative number.
        Assert.Equal([int.MaxValue, 50000, 1], Tensor.Zeros(0, 50000, 50000).Strides);
    }

    [Fact]
    public void Zero_dim_tensors_give_clear_errors_or_pass_through()
    {
        var s = Tensor.Scalar(1f);
        Assert.Contains("0-dim", Assert.Throws<IndexOutOfRangeException>(() => s.Select(0, 0)).Message);
        Assert.Contains("0-dim", Assert.Throws<IndexOutOfRangeException>(() => s.Slice(0, 0, 1)).Message);
        Assert.Equal(1f, s.Transpose(0, 0).Item());
        Assert.Throws<ShapeMismatchException>(() => Tensor.Ones(1).Expand(-2));
        Assert.Contains("Int64 [3]", Assert.Throws<DTypeMismatchException>(() => Tensor.Arange(3).Mean()).Message);
    }
}

public class ReviewRegressionTests
{
    [Fact]
    public void MSELoss_gradient_is_exact_in_Float64()
    {
        // PyTorch 1.13: mse_loss([1, 2, 4] float64, zeros) backward -> 2 * x / 3 = [0.6666666666666666, 1.3333333333333333, 2.6666666666666665]
        var x = Tensor.From([1.0, 2.0, 4.0], requiresGrad: true);
        x.MseLoss(Tensor.Zeros([3], DType.Float64)).Backward();
        Assert.Equal([2.0 / 3, 4.0 / 3, 8.0 / 3], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void DataLoader_count_does_not_overflow()
    {
        var ds = new Data.TensorDataset(Tensor.Zeros(10, 2), Tensor.From(new long[10]));
        Assert.Equal(1, new Data.DataLoader(ds, int.MaxValue).Count);
        Assert.Single(new Data.DataLoader(ds, int.MaxValue));
    }

    [Fact]
    public void Optimizer_state_with_missing_or_foreign_keys_is_refused_and_nothing_changes()
    {
        var p0 = new Nn.Parameter(Tensor.Ones(2)); var p1 = new Nn.Parameter(Tensor.Ones(2));
        var adam = new Optim.Adam([p0, p1], lr: 0.1f);
        var partial = new Dictionary<string, Tensor> { ["state.1.step"] = Tensor.Scalar(3f) };
        Assert.Throws<ArgumentException>(() => adam.LoadStateDict(partial));
        var foreign = new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = Tensor.Zeros(2) };
        Assert.Throws<ArgumentException>(() => adam.LoadStateDict(foreign));
        var badStep = new Dictionary<string, Tensor> { ["state.0.step"] = Tensor.Zeros(3), ["state.0.exp_avg"] = Tensor.Zeros(2), ["state.0.exp_avg_sq"] = Tensor.Zeros(2) };
        Assert.Throws<ArgumentException>(() => adam.LoadStateDict(badStep));
        Assert.Null(adam.StateOf(p0));
        Assert.Null(adam.StateOf(p1));
    }

    [Fact]
    public void An_idx_file_declaring_more_than_MaxDataBytes_is_refused_before_allocating()
    {
        var path = Path.GetTempFileName();
        try
        {
            // magic 0x00000801 (ubyte, rank 1), one dimension of 2^30 + 1 elements (one byte over the 1 GiB cap), no data
            File.WriteAllBytes(path, [0, 0, 8, 1, 0x40, 0, 0, 1]);
            var e = Assert.Throws<Data.IdxFormatException>(() => Data.Idx.Read(path));
            Assert.Contains("MaxDataBytes", e.Message);
        }
        finally { File.Delete(path); }
    }
}
