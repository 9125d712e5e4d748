namespace Orleans.LoadBalancer.Gateway.Keys;

/// <summary>What a routing key source reads from a request, whichever lane holds it (<see cref="KeySelector"/>).</summary>
internal interface IKeyRequest
{
    /// <summary>The decoded path (<see cref="HttpRequest.Path"/>).</summary>
    PathString Path { get; }

    /// <summary>A header's values joined by commas, as <c>StringValues.ToString()</c> joins them; empty when absent.</summary>
    string Header(string name);

    string Cookie(string name);

    string Query(string name);

    /// <summary>The client's address (<see cref="TrustedProxies.ClientOf(HttpContext)"/>); empty when unknown.</summary>
    string ClientIp();
}
