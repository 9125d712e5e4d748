using System.Net;
using Orleans.LoadBalancer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The forwarder's per-request settings for each <see cref="ReplicaProtocol"/>, built once with the settings, so that an
/// attempt picks its replica's by index: no allocation and no branch on the way. Every one asks for its version exactly:
/// <see cref="ReplicaProtocol.Http1"/> HTTP/1.1 (what replicas always got); <see cref="ReplicaProtocol.H2c"/> HTTP/2 with
/// prior knowledge over <c>http</c>; <see cref="ReplicaProtocol.H2"/> HTTP/2 over <c>https</c>, offered alone in ALPN, so
/// a replica that does not agree to it fails the attempt (a 502, the replica held to blame) rather than being spoken to
/// in HTTP/1.1 without a word: gRPC does not work over HTTP/1.1, and a silent downgrade would hide a misconfigured replica.
/// </summary>
internal sealed class ReplicaRequestConfigs
{
    private readonly ForwarderRequestConfig[] _byProtocol;

    /// <param name="activityTimeout">The forwarder's activity timeout: <c>Gateway:StreamIdleTimeout</c>, infinite when off.</param>
    public ReplicaRequestConfigs(TimeSpan activityTimeout)
    {
        ActivityTimeout = activityTimeout;
        _byProtocol = new ForwarderRequestConfig[ReplicaProtocols.Count];
        _byProtocol[(int)ReplicaProtocol.Http1] = Exactly(HttpVersion.Version11);
        _byProtocol[(int)ReplicaProtocol.H2c] = Exactly(HttpVersion.Version20);
        _byProtocol[(int)ReplicaProtocol.H2] = Exactly(HttpVersion.Version20);
    }

    public TimeSpan ActivityTimeout { get; }

    /// <summary>The settings for a replica spoken to in <paramref name="protocol"/>.</summary>
    public ForwarderRequestConfig For(ReplicaProtocol protocol) => _byProtocol[(int)protocol];

    private ForwarderRequestConfig Exactly(Version version) => new()
    {
        // The forwarder's activity timeout covers the whole exchange, the wait for the head, bodies and upgraded
        // connections alike, and is reset by every byte moved: it is the stream idle limit, and infinite when that is
        // off. The wait for the head has its own limit (ResponseHeadersTimeoutHandler).
        ActivityTimeout = ActivityTimeout,
        Version = version,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
