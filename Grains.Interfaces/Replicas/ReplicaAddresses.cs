namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// Where an external replica is reached: an absolute <c>http</c> or <c>https</c> URI with a host and an explicit or
/// default port, and nothing else (no user info, path, query or fragment): requests keep their own path.
/// </summary>
public static class ReplicaAddresses
{
    /// <summary>Longer addresses are refused before they are parsed.</summary>
    public const int MaxLength = 2048;

    public const string Rule = "an absolute http or https URI like http://10.0.0.7:8080, with a host and no user info, path, query or fragment";

    /// <summary>The address in its canonical form (<c>scheme://host[:port]</c>, lower-case), or the error naming <paramref name="field"/>.</summary>
    public static (string? Address, string? Error) Normalize(string? address, string field)
    {
        if (address is null)
        {
            return (null, $"{field} is required");
        }

        var error = $"{field} '{ReplicaNames.Escape(address.Length > 100 ? address[..100] + "…" : address)}' must be {Rule}";
        if (address.Length is 0 or > MaxLength
            || address.Any(c => c is <= ' ' or >= (char)0x7F)
            || !Uri.TryCreate(address, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            // "http:host" parses too; only the authority form is meant.
            || !address.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase)
            || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || string.IsNullOrEmpty(uri.Host)
            || uri.Port is < 1 or > 65535
            || uri.UserInfo.Length > 0
            || address.Contains('@', StringComparison.Ordinal)
            || uri.AbsolutePath != "/"
            || address.Contains('?', StringComparison.Ordinal)
            || address.Contains('#', StringComparison.Ordinal))
        {
            return (null, error);
        }

        var tail = address[(uri.Scheme.Length + 3)..];
        if (tail.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 && slash != tail.Length - 1)
        {
            // "http://h/./" and "http://h/x/.." normalise to "/": still a path.
            return (null, error);
        }

        return (uri.GetLeftPart(UriPartial.Authority), null);
    }
}
