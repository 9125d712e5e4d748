namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>Key sources for the requests under one path prefix, overriding the gateway-wide chain.</summary>
internal sealed class KeyRouteOptions
{
    public string PathPrefix { get; set; } = "/";

    public List<KeySourceOptions> KeySources { get; set; } = [];
}
