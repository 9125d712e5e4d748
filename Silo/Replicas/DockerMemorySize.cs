using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// A memory size as <c>docker run --memory</c> takes it: a number of bytes, or with <c>k</c>, <c>m</c>, <c>g</c> or
/// <c>t</c> (powers of 1024; <c>kb</c>, <c>MiB</c> and the like mean the same), case-insensitive, a fraction allowed.
/// </summary>
internal static partial class DockerMemorySize
{
    /// <summary>The engine refuses a smaller limit.</summary>
    public const long Minimum = 6 * 1024 * 1024;

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var match = Size().Match(text ?? "");
        if (!match.Success
            || !decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var exponent = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "K" => 1,
            "M" => 2,
            "G" => 3,
            "T" => 4,
            _ => 0,
        };
        var value = number;
        for (var i = 0; i < exponent; i++)
        {
            value *= 1024;
        }

        if (value >= long.MaxValue)
        {
            return false;
        }

        bytes = (long)decimal.Floor(value);
        return true;
    }

    [GeneratedRegex(@"^\s*(?<number>[0-9]{1,15}(?:\.[0-9]{1,9})?)\s*(?:(?<unit>[kmgt])(?:i?b)?|b)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Size();
}
