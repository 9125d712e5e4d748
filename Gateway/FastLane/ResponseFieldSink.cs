using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>Hands <see cref="ResponseHeadParser"/>'s fields to <see cref="ReplicaResponseFields"/>.</summary>
internal readonly struct ResponseFieldSink(ReplicaResponseFields fields) : IResponseHeaderSink
{
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => fields.Add(name, value);
}
