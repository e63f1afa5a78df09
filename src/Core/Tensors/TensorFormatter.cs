using System.Globalization;
using System.Numerics;
using System.Text;

namespace Functional;

/// <summary>
/// Produces the <c>repr</c> of a tensor exactly as PyTorch 1.13 prints it.
/// </summary>
/// <remarks>
/// This is a port of <c>torch/_tensor_str.py</c> (<c>_Formatter</c>, <c>_scalar_str</c>, <c>_vector_str</c>,
/// <c>_tensor_str_with_formatter</c>, <c>get_summarized_data</c>, <c>_tensor_str</c>, <c>_add_suffixes</c> and the
/// dense-CPU part of <c>_str_intern</c>) using the default <c>PRINT_OPTS</c>: precision 4, threshold 1000,
/// edgeitems 3, linewidth 80, sci_mode None. Floating-point numbers are formatted the way Python's
/// <c>"{:.4f}"</c>, <c>"{:.4e}"</c> and <c>"{:.0f}"</c> do: the exact binary value is rounded half-to-even,
/// independently of the current culture.
/// </remarks>
internal static class TensorFormatter
{
    private const int Precision = 4;
    private const int Threshold = 1000;
    private const int EdgeItems = 3;
    private const int LineWidth = 80;
    private const string Prefix = "tensor(";

    /// <summary>Formats a floating-point tensor (float32 values are passed widened to double).</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The sizes; an empty array denotes a 0-d tensor.</param>
    /// <param name="suffixes">
    /// Suffixes in PyTorch's order (e.g. <c>dtype=torch.float64</c>, <c>grad_fn=&lt;SigmoidBackward0&gt;</c>,
    /// <c>requires_grad=True</c>). For empty tensors whose shape is not <c>(0,)</c> a <c>size=(...)</c> suffix is
    /// prepended, as <c>_str_intern</c> does.
    /// </param>
    /// <returns>The whole repr, e.g. <c>tensor([0.7311, 0.8808, 0.9526])</c>.</returns>
    public static string Format(ReadOnlySpan<double> values, int[] shape, IReadOnlyList<string> suffixes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(suffixes);
        long numel = CheckShape(shape, values.Length);
        if (numel == 0)
        {
            return FormatEmpty(shape, suffixes, null);
        }

        bool summarize = numel > Threshold;
        double[] shown = GatherShown(values, shape, summarize);
        FloatFormatter formatter = FloatFormatter.Create(shown);
        var cells = new string[shown.Length];
        for (int i = 0; i < shown.Length; i++)
        {
            cells[i] = formatter.Format(shown[i]);
        }

        return Assemble(shape, summarize, cells, formatter.MaxWidth, suffixes);
    }

    /// <summary>Formats an int64 tensor.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The sizes; an empty array denotes a 0-d tensor.</param>
    /// <param name="suffixes">
    /// Suffixes in PyTorch's order (e.g. <c>grad_fn=...</c>). For empty tensors, <c>size=(...)</c> (when the shape is
    /// not <c>(0,)</c>) and <c>dtype=torch.int64</c> (unless a <c>dtype=</c> suffix is already given) are prepended,
    /// as <c>_str_intern</c> does.
    /// </param>
    /// <returns>The whole repr, e.g. <c>tensor([1, 2, 3])</c>.</returns>
    public static string Format(ReadOnlySpan<long> values, int[] shape, IReadOnlyList<string> suffixes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(suffixes);
        long numel = CheckShape(shape, values.Length);
        if (numel == 0)
        {
            return FormatEmpty(shape, suffixes, "dtype=torch.int64");
        }

        bool summarize = numel > Threshold;
        long[] shown = GatherShown(values, shape, summarize);

        // _Formatter for non-floating dtypes: max_width is the longest "{}".format(value).
        var raw = new string[shown.Length];
        int maxWidth = 1;
        for (int i = 0; i < shown.Length; i++)
        {
            raw[i] = shown[i].ToString(CultureInfo.InvariantCulture);
            maxWidth = Math.Max(maxWidth, raw[i].Length);
        }

        var cells = new string[shown.Length];
        for (int i = 0; i < shown.Length; i++)
        {
            cells[i] = raw[i].PadLeft(maxWidth);
        }

        return Assemble(shape, summarize, cells, maxWidth, suffixes);
    }

    // ---------------------------------------------------------------------------------------------
    // _str_intern / _tensor_str / _add_suffixes
    // ---------------------------------------------------------------------------------------------

    private static long CheckShape(int[] shape, int length)
    {
        long numel = 1;
        foreach (int size in shape)
        {
            if (size < 0)
            {
                throw new ArgumentException("Tensor sizes must be non-negative.", nameof(shape));
            }

            numel = checked(numel * size);
        }

        if (numel != length)
        {
            throw new ArgumentException(
                $"The shape holds {numel} elements but {length} values were given.", nameof(shape));
        }

        return numel;
    }

    private static string FormatEmpty(int[] shape, IReadOnlyList<string> suffixes, string? impliedDtype)
    {
        var all = new List<string>(suffixes.Count + 2);

        // Explicitly print the shape if it is not (0,), to match NumPy behaviour.
        if (shape.Length != 1)
        {
            all.Add("size=" + ShapeTuple(shape));
        }

        // An empty tensor has no elements to infer int64 from, so PyTorch shows the dtype.
        if (impliedDtype is not null && !suffixes.Any(s => s.StartsWith("dtype=", StringComparison.Ordinal)))
        {
            all.Add(impliedDtype);
        }

        all.AddRange(suffixes);
        return AddSuffixes(Prefix + "[]", all, Prefix.Length);
    }

    private static string ShapeTuple(int[] shape)
    {
        // str(tuple(shape)): "()", "(0,)", "(2, 0)".
        string inner = string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        return shape.Length == 1 ? "(" + inner + ",)" : "(" + inner + ")";
    }

    private static string Assemble(
        int[] shape, bool summarize, string[] cells, int width, IReadOnlyList<string> suffixes)
    {
        int cursor = 0;
        string body = TensorStrWithFormatter(shape, 0, Prefix.Length, summarize, cells, width, ref cursor);
        return AddSuffixes(Prefix + body, suffixes, Prefix.Length);
    }

    private static string AddSuffixes(string tensorStr, IReadOnlyList<string> suffixes, int indent)
    {
        var sb = new StringBuilder(tensorStr);

        // Python: len(tensor_str) - tensor_str.rfind("\n") + 1 (rfind is -1 when there is no newline).
        int lastLineLen = tensorStr.Length - tensorStr.LastIndexOf('\n') + 1;
        foreach (string suffix in suffixes)
        {
            int suffixLen = suffix.Length;
            if (lastLineLen + suffixLen + 2 > LineWidth)
            {
                sb.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLen = indent + suffixLen;
            }
            else
            {
                sb.Append(", ").Append(suffix);
                lastLineLen += suffixLen + 2;
            }
        }

        sb.Append(')');
        return sb.ToString();
    }

    // ---------------------------------------------------------------------------------------------
    // get_summarized_data: the elements that are actually displayed, in row-major order.
    // ---------------------------------------------------------------------------------------------

    private static T[] GatherShown<T>(ReadOnlySpan<T> values, int[] shape, bool summarize)
    {
        if (!summarize)
        {
            return values.ToArray();
        }

        var indices = new List<long>();
        var strides = new long[shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        CollectShown(shape, strides, 0, 0, indices);
        var result = new T[indices.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[checked((int)indices[i])];
        }

        return result;
    }

    private static void CollectShown(int[] shape, long[] strides, int dim, long offset, List<long> indices)
    {
        if (dim == shape.Length)
        {
            indices.Add(offset);
            return;
        }

        foreach (int i in ShownPositions(shape[dim], summarize: true))
        {
            CollectShown(shape, strides, dim + 1, offset + (i * strides[dim]), indices);
        }
    }

    private static IEnumerable<int> ShownPositions(int size, bool summarize)
    {
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++)
            {
                yield return i;
            }

            for (int i = size - EdgeItems; i < size; i++)
            {
                yield return i;
            }
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                yield return i;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // _tensor_str_with_formatter / _vector_str / _scalar_str
    // ---------------------------------------------------------------------------------------------

    private static string TensorStrWithFormatter(
        int[] shape, int dim, int indent, bool summarize, string[] cells, int width, ref int cursor)
    {
        int remaining = shape.Length - dim;
        if (remaining == 0)
        {
            return cells[cursor++];
        }

        int size = shape[dim];
        if (remaining == 1)
        {
            return VectorStr(size, indent, summarize, cells, width, ref cursor);
        }

        var slices = new List<string>();
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++)
            {
                slices.Add(TensorStrWithFormatter(shape, dim + 1, indent + 1, summarize, cells, width, ref cursor));
            }

            slices.Add("...");
            for (int i = 0; i < EdgeItems; i++)
            {
                slices.Add(TensorStrWithFormatter(shape, dim + 1, indent + 1, summarize, cells, width, ref cursor));
            }
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                slices.Add(TensorStrWithFormatter(shape, dim + 1, indent + 1, summarize, cells, width, ref cursor));
            }
        }

        string separator = "," + new string('\n', remaining - 1) + new string(' ', indent + 1);
        return "[" + string.Join(separator, slices) + "]";
    }

    private static string VectorStr(int size, int indent, bool summarize, string[] cells, int width, ref int cursor)
    {
        // length includes spaces and comma between elements
        int elementLength = width + 2;
        int elementsPerLine = Math.Max(1, (int)Math.Floor((double)(LineWidth - indent) / elementLength));

        var data = new List<string>();
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++)
            {
                data.Add(cells[cursor++]);
            }

            data.Add(" ...");
            for (int i = 0; i < EdgeItems; i++)
            {
                data.Add(cells[cursor++]);
            }
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                data.Add(cells[cursor++]);
            }
        }

        var lines = new List<string>();
        for (int i = 0; i < data.Count; i += elementsPerLine)
        {
            lines.Add(string.Join(", ", data.Skip(i).Take(elementsPerLine)));
        }

        return "[" + string.Join(",\n" + new string(' ', indent + 1), lines) + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // _Formatter for floating dtypes
    // ---------------------------------------------------------------------------------------------

    private sealed class FloatFormatter
    {
        private readonly bool _intMode;
        private readonly bool _sciMode;

        private FloatFormatter(bool intMode, bool sciMode, int maxWidth)
        {
            _intMode = intMode;
            _sciMode = sciMode;
            MaxWidth = maxWidth;
        }

        public int MaxWidth { get; }

        public static FloatFormatter Create(double[] values)
        {
            var nonzeroFinite = new List<double>();
            foreach (double v in values)
            {
                if (double.IsFinite(v) && v != 0)
                {
                    nonzeroFinite.Add(v);
                }
            }

            if (nonzeroFinite.Count == 0)
            {
                // no valid number, do nothing
                return new FloatFormatter(intMode: true, sciMode: false, maxWidth: 1);
            }

            double min = double.PositiveInfinity;
            double max = 0;
            bool intMode = true;
            foreach (double v in nonzeroFinite)
            {
                double a = Math.Abs(v);
                min = Math.Min(min, a);
                max = Math.Max(max, a);
                if (v != Math.Ceiling(v))
                {
                    intMode = false;
                }
            }

            bool sciMode;
            int maxWidth = 1;
            if (intMode)
            {
                // in int_mode for floats, all numbers are integers, and a decimal point is appended
                sciMode = max / min > 1000.0 || max > 1.0e8;
                foreach (double v in nonzeroFinite)
                {
                    int len = sciMode ? FormatExponent(v, Precision).Length : FormatFixed(v, 0).Length + 1;
                    maxWidth = Math.Max(maxWidth, len);
                }
            }
            else
            {
                sciMode = max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4;
                foreach (double v in nonzeroFinite)
                {
                    int len = sciMode ? FormatExponent(v, Precision).Length : FormatFixed(v, Precision).Length;
                    maxWidth = Math.Max(maxWidth, len);
                }
            }

            return new FloatFormatter(intMode, sciMode, maxWidth);
        }

        public string Format(double value)
        {
            string ret;
            if (_sciMode)
            {
                ret = FormatExponent(value, Precision);
            }
            else if (_intMode)
            {
                ret = FormatFixed(value, 0);
                if (double.IsFinite(value))
                {
                    ret += ".";
                }
            }
            else
            {
                ret = FormatFixed(value, Precision);
            }

            return ret.PadLeft(MaxWidth);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Python float formatting ("{:.Nf}" and "{:.Ne}"), exact and round-half-even.
    // ---------------------------------------------------------------------------------------------

    /// <summary>Python's <c>"{:.{precision}f}".format(value)</c>.</summary>
    internal static string FormatFixed(double value, int precision)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        bool negative = double.IsNegative(value);
        (BigInteger num, BigInteger den) = ToRational(Math.Abs(value));
        BigInteger n = DivRoundHalfEven(num * BigInteger.Pow(10, precision), den);
        string digits = n.ToString(CultureInfo.InvariantCulture);
        if (precision > 0)
        {
            if (digits.Length <= precision)
            {
                digits = new string('0', precision + 1 - digits.Length) + digits;
            }

            digits = digits[..^precision] + "." + digits[^precision..];
        }

        return negative ? "-" + digits : digits;
    }

    /// <summary>Python's <c>"{:.{precision}e}".format(value)</c>.</summary>
    internal static string FormatExponent(double value, int precision)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        bool negative = double.IsNegative(value);
        double abs = Math.Abs(value);
        int exponent = 0;
        BigInteger n = BigInteger.Zero;
        if (abs != 0)
        {
            (BigInteger num, BigInteger den) = ToRational(abs);
            exponent = (int)Math.Floor(Math.Log10(abs));

            // Make 10^exponent <= num/den < 10^(exponent+1) exactly.
            while (CompareWithPowerOfTen(num, den, exponent) < 0)
            {
                exponent--;
            }

            while (CompareWithPowerOfTen(num, den, exponent + 1) >= 0)
            {
                exponent++;
            }

            int shift = precision - exponent;
            n = shift >= 0
                ? DivRoundHalfEven(num * BigInteger.Pow(10, shift), den)
                : DivRoundHalfEven(num, den * BigInteger.Pow(10, -shift));
            if (n == BigInteger.Pow(10, precision + 1))
            {
                n = BigInteger.Pow(10, precision);
                exponent++;
            }
        }

        string digits = n.ToString(CultureInfo.InvariantCulture).PadLeft(precision + 1, '0');
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        sb.Append(digits[0]);
        if (precision > 0)
        {
            sb.Append('.').Append(digits, 1, precision);
        }

        sb.Append('e').Append(exponent < 0 ? '-' : '+');
        sb.Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static (BigInteger Num, BigInteger Den) ToRational(double abs)
    {
        long bits = BitConverter.DoubleToInt64Bits(abs);
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & ((1L << 52) - 1);
        long mantissa;
        int exp;
        if (biased == 0)
        {
            mantissa = fraction;
            exp = -1074;
        }
        else
        {
            mantissa = fraction | (1L << 52);
            exp = biased - 1075;
        }

        return exp >= 0
            ? (new BigInteger(mantissa) << exp, BigInteger.One)
            : (new BigInteger(mantissa), BigInteger.One << -exp);
    }

    private static int CompareWithPowerOfTen(BigInteger num, BigInteger den, int exponent)
    {
        return exponent >= 0
            ? num.CompareTo(den * BigInteger.Pow(10, exponent))
            : (num * BigInteger.Pow(10, -exponent)).CompareTo(den);
    }

    private static BigInteger DivRoundHalfEven(BigInteger num, BigInteger den)
    {
        BigInteger q = BigInteger.DivRem(num, den, out BigInteger r);
        int cmp = (r * 2).CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !q.IsEven))
        {
            q += 1;
        }

        return q;
    }
}
