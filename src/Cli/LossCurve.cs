using System.Globalization;
using System.Text;

namespace Functional.Cli;

/// <summary>Writes a training loss curve as a small self-contained SVG line chart.</summary>
public static class LossCurve
{
    /// <summary>The SVG for <paramref name="losses"/> (one point per step), with epoch boundaries marked and numbered from
    /// <paramref name="firstEpoch"/>.</summary>
    public static string Svg(IReadOnlyList<double> losses, int stepsPerEpoch, string title, int firstEpoch = 1)
    {
        const int W = 640, H = 360, L = 56, R = 16, T = 32, B = 40;
        var inv = CultureInfo.InvariantCulture;
        var finite = losses.Where(double.IsFinite).ToArray();
        double lo = finite.Length > 0 ? Math.Min(0, finite.Min()) : 0, hi = finite.Length > 0 ? finite.Max() : 1;
        if (hi <= lo) hi = lo + 1;
        int n = Math.Max(losses.Count - 1, 1);
        string X(int i) => (L + (W - L - R) * (double)i / n).ToString("F1", inv);
        string Y(double v) => (T + (H - T - B) * (1 - (v - lo) / (hi - lo))).ToString("F1", inv);

        var svg = new StringBuilder();
        svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(inv, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n");
        svg.Append(inv, $"<text x=\"{W / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        svg.Append(inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        svg.Append(inv, $"<line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        for (int k = 0; k <= 4; k++)
        {
            double v = lo + (hi - lo) * k / 4;
            svg.Append(inv, $"<text x=\"{L - 6}\" y=\"{Y(v)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{v:0.###}</text>\n");
        }
        if (stepsPerEpoch > 0)
            for (int e = 1; e * stepsPerEpoch <= losses.Count; e++)
            {
                int i = Math.Min(e * stepsPerEpoch, losses.Count - 1);
                svg.Append(inv, $"<line x1=\"{X(i)}\" y1=\"{T}\" x2=\"{X(i)}\" y2=\"{H - B}\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>\n");
                svg.Append(inv, $"<text x=\"{X(i)}\" y=\"{H - B + 16}\" text-anchor=\"middle\">epoch {firstEpoch + e - 1}</text>\n");
            }
        svg.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
        for (int i = 0; i < losses.Count; i++)
            if (double.IsFinite(losses[i])) svg.Append(X(i)).Append(',').Append(Y(losses[i])).Append(' ');
        svg.Append("\"/>\n");
        svg.Append(inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 6}\" text-anchor=\"middle\">step</text>\n");
        svg.Append(inv, $"<text x=\"14\" y=\"{(T + H - B) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(T + H - B) / 2})\">loss</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
