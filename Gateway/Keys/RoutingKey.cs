namespace Orleans.LoadBalancer.Gateway.Keys;

/// <summary>The key a request routes by; <see cref="Generated"/> when the gateway made it up (the seed's random 6-digit id).</summary>
internal readonly record struct RoutingKey(string Value, bool Generated);
