using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The <c>Via</c> entry this gateway adds to every proxied request (RFC 9110 §7.6.3), <c>1.1 &lt;cluster&gt;~&lt;name&gt;</c>,
/// and the loop check on the way in: a request whose <c>Via</c> already names a gateway of this cluster went out
/// through one and came back (an external replica whose address leads to a gateway), and is answered 508 rather than
/// proxied again. Any gateway of the cluster, not this one only: behind a shared port or a second gateway's address,
/// the request comes back to another gateway of the cluster, which routes it by the same ring to the same replica.
/// The replica manager's probes of external replicas carry the mark too (<see cref="ClusterVia"/>), so an external
/// replica whose address leads to a gateway fails its health check there and is never routed to.
/// </summary>
internal sealed class GatewayVia
{
    public const string Header = ClusterVia.Header;

    private readonly string _http10;
    private readonly string _http11;
    private readonly string _http2;
    private readonly string _http3;

    /// <param name="clusterId"><c>Cluster:ClusterId</c>.</param>
    /// <param name="name"><c>Gateway:Name</c>; empty: 8 random hex digits.</param>
    public GatewayVia(string clusterId, string name)
    {
        ClusterMark = ClusterVia.Mark(clusterId);
        Pseudonym = ClusterVia.Pseudonym(clusterId, name.Length > 0 ? name : RandomNumberGenerator.GetHexString(8, lowercase: true));
        _http10 = "1.0 " + Pseudonym;
        _http11 = "1.1 " + Pseudonym;
        _http2 = "2 " + Pseudonym;
        _http3 = "3 " + Pseudonym;
    }

    /// <summary>This gateway's name in <c>Via</c>: <c>&lt;cluster&gt;~&lt;name&gt;</c>.</summary>
    public string Pseudonym { get; }

    /// <summary>What every gateway of this cluster's pseudonym starts with.</summary>
    public string ClusterMark { get; }

    /// <summary>The entry for a request received with <paramref name="protocol"/> (<c>HTTP/1.1</c>, <c>HTTP/2</c>…).</summary>
    public string EntryFor(string protocol) =>
        HttpProtocol.IsHttp2(protocol) ? _http2 : HttpProtocol.IsHttp3(protocol) ? _http3 : HttpProtocol.IsHttp10(protocol) ? _http10 : _http11;

    /// <summary>Whether <paramref name="request"/> came back: its <c>Via</c> names a member of this cluster.</summary>
    public bool CameBack(HttpRequest request) => request.Headers.Via.Count > 0 && CameThroughCluster(request.Headers.Via);

    /// <summary>Whether an entry of <paramref name="via"/> was added by a member of this cluster. Allocates nothing.</summary>
    public bool CameThroughCluster(StringValues via)
    {
        for (var i = 0; i < via.Count; i++)
        {
            var remaining = (via[i] ?? "").AsSpan();
            while (remaining.Length > 0)
            {
                var comma = remaining.IndexOf(',');
                var entry = (comma < 0 ? remaining : remaining[..comma]).Trim();
                remaining = comma < 0 ? [] : remaining[(comma + 1)..];

                // received-protocol RWS received-by [RWS comment]
                var space = entry.IndexOfAny(' ', '\t');
                if (space < 0)
                {
                    continue;
                }

                var receivedBy = entry[(space + 1)..].TrimStart();
                if (receivedBy.StartsWith(ClusterMark, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
