using System.Globalization;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary><c>Gateway:RetryOnStatus</c>: status codes from 500 to 599, separated by commas; empty turns retries on status off.</summary>
internal static class RetryStatuses
{
    public static bool TryParse(string? value, out int[] statuses, out string? error)
    {
        var parts = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        statuses = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status is < 500 or > 599)
            {
                error = $"'{parts[i]}' is not a status code from 500 to 599";
                statuses = [];
                return false;
            }

            statuses[i] = status;
        }

        statuses = statuses.Distinct().Order().ToArray();
        error = null;
        return true;
    }

    /// <summary>The codes of a valid value; validation refused any other before it got here.</summary>
    public static int[] Parse(string? value) =>
        TryParse(value, out var statuses, out var error) ? statuses : throw new FormatException(error);
}
