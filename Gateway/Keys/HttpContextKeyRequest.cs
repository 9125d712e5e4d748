namespace Orleans.LoadBalancer.Gateway.Keys;

/// <summary>A request in Kestrel's HTTP pipeline, as key sources read it.</summary>
internal readonly struct HttpContextKeyRequest(HttpContext context, TrustedProxies trustedProxies) : IKeyRequest
{
    public PathString Path => context.Request.Path;

    public string Header(string name) => context.Request.Headers[name].ToString();

    public string Cookie(string name) => context.Request.Cookies[name] ?? "";

    public string Query(string name) => context.Request.Query[name].ToString();

    public string ClientIp() => trustedProxies.ClientOf(context)?.ToString() ?? "";
}
