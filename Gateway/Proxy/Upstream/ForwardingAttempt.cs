namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// What the span of one forwarding attempt tells about it, handed to <see cref="ForwardingSpanHandler"/> with the
/// request, only while something listens. The routing key is there as its ring position, never as itself.
/// </summary>
internal sealed record ForwardingAttempt(string Replica, int Attempt, ulong KeyHash)
{
    public static readonly HttpRequestOptionsKey<ForwardingAttempt> Key = new("Gateway.ForwardingAttempt");
}
