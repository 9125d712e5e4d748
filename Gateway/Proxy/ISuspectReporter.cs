namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>Tells whoever runs the health checks that this gateway saw a replica fail.</summary>
internal interface ISuspectReporter
{
    /// <summary>Fire and forget: a failed report must never hold up or fail a request.</summary>
    void Report(string replica);
}
