namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// The HTTP statuses a health check counts as healthy, both ends included: one status (<c>204</c>) or a range
/// (<c>200-399</c>), each from 100 to 599, written with three digits and no spaces.
/// </summary>
public readonly record struct HealthStatusRange(int From, int To)
{
    /// <summary>What a replica the cluster runs must answer its heartbeat with.</summary>
    public static readonly HealthStatusRange Success = new(200, 299);

    /// <summary>What an external replica must answer when it names no status: 2xx or 3xx, as nginx and HAProxy judge a backend.</summary>
    public static readonly HealthStatusRange SuccessOrRedirect = new(200, 399);

    public bool Contains(int status) => status >= From && status <= To;

    /// <summary>The range written as <paramref name="text"/>, or null when it is not one.</summary>
    public static HealthStatusRange? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var (from, to) = dash < 0 ? (Status(text), Status(text)) : (Status(text[..dash]), Status(text[(dash + 1)..]));
        return from is { } f && to is { } t && f <= t ? new HealthStatusRange(f, t) : null;
    }

    public override string ToString() => From == To ? $"{From}" : $"{From}-{To}";

    private static int? Status(string digits) =>
        digits is [>= '1' and <= '5', >= '0' and <= '9', >= '0' and <= '9'] ? (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0') : null;
}
