using System.Text;

namespace Functional;

/// <summary>
/// A small Graphviz DOT writer: nodes and edges in the order they were added, so the same graph always gives the
/// same text (Graphs.ToDot's output is compared in tests and committed under docs/graphs/). Ids are chosen by the
/// caller; labels and attribute values are escaped here.
/// </summary>
internal sealed class DotGraph
{
    private readonly List<string> _lines = [];

    /// <summary>Adds a node with a (multi-line) label and extra attributes such as <c>("fillcolor", "orange")</c>.</summary>
    public void Node(string id, string label, params (string Key, string Value)[] attributes) =>
        _lines.Add($"\t{id} [label={Quote(label)}{Attributes(attributes)}]");

    /// <summary>Adds an edge <paramref name="from"/> → <paramref name="to"/>.</summary>
    public void Edge(string from, string to, params (string Key, string Value)[] attributes) =>
        _lines.Add($"\t{from} -> {to}" + (attributes.Length == 0 ? "" : $" [{Attributes(attributes)[1..]}]"));

    /// <summary>The DOT text: torchviz's look (filled boxes, monospace, left-aligned labels), then the nodes and edges.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("digraph {\n");
        sb.Append("\tgraph [size=\"12,12\"]\n");
        sb.Append("\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n");
        sb.Append("\tedge [fontname=monospace fontsize=10]\n");
        foreach (var line in _lines) sb.Append(line).Append('\n');
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Attributes((string Key, string Value)[] attributes)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in attributes) sb.Append(' ').Append(k).Append('=').Append(Quote(v));
        return sb.ToString();
    }

    /// <summary>A DOT quoted string: backslashes and quotes escaped, each line break written as <c>\n</c>.</summary>
    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
