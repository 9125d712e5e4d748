using System.Globalization;
using System.Text;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>A Markdown document written with invariant number formats.</summary>
public sealed class Markdown
{
    private readonly StringBuilder _text = new();

    public Markdown Line(FormattableString line)
    {
        _text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public Markdown Line(string line = "")
    {
        _text.AppendLine(line);
        return this;
    }

    public Markdown Paragraph(FormattableString text) => Line(text).Line();

    public Markdown Heading(string text) => Line(text).Line();

    public Markdown Image(string alt, string file) => Line($"![{alt}]({file})").Line();

    /// <summary>A table; <paramref name="right"/> marks the columns aligned right (numbers).</summary>
    public Markdown Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, Func<int, bool>? right = null)
    {
        _text.AppendLine("| " + string.Join(" | ", header.Select(Cell)) + " |");
        _text.AppendLine("|" + string.Concat(header.Select((_, i) => right?.Invoke(i) == true ? " ---: |" : " --- |")));
        foreach (var row in rows)
        {
            _text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        _text.AppendLine();
        return this;
    }

    public override string ToString() => _text.ToString();

    public static string Number(double value, string format = "0.000") =>
        double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Ms(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + " ms" : "not seen";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
