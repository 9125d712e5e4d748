namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Where one request goes: the replica's index in the snapshot (-1: none usable), the key's hash for retries, and the
/// key itself when the gateway made it up (returned to the client so it can stick to its replica).
/// </summary>
public readonly record struct RouteChoice(int Index, ulong Hash, string? GeneratedKey);
