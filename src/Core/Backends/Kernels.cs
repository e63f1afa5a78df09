namespace Functional;

// The kernels a backend names by number (Note [Backend Seam]): ops pick one of these, each backend implements all.

/// <summary>Elementwise functions of one tensor (<see cref="Backend.Unary"/>).</summary>
internal enum UnaryKernel { Neg, Exp, Log, Sqrt, Abs, Sigmoid, Tanh, Relu, Sign }

/// <summary>Elementwise comparisons with a scalar, giving 0/1 in the input's dtype (<see cref="Backend.Compare"/>).</summary>
internal enum CompareKernel { Eq, Ge, Gt }

/// <summary>Elementwise functions of two tensors or a tensor and a scalar (<see cref="Backend.Binary"/>, <see cref="Backend.Scalar"/>).
/// EqMask is 1 where the operands are equal (NaN equal to NaN), for Max's gradient.</summary>
internal enum BinaryKernel { Add, Sub, Mul, Div, Pow, EqMask }

/// <summary>Reductions (<see cref="Backend.ReduceAll"/>, <see cref="Backend.ReduceDim"/>).</summary>
internal enum ReduceKernel { Sum, Max }
