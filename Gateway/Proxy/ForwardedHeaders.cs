using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// What a replica learns about the original request, as YARP's default transforms and nginx tell it:
/// <c>X-Forwarded-For</c> (the peer's address, appended to the incoming chain only when the peer is a trusted proxy),
/// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> (kept from a trusted proxy, set from the request otherwise).
/// The client's <c>Host</c> is not passed on: the replica is addressed by its own authority.
/// </summary>
internal static class ForwardedHeaders
{
    public const string For = TrustedProxies.ForwardedForHeader;
    public const string Proto = "X-Forwarded-Proto";
    public const string Host = "X-Forwarded-Host";

    /// <summary>Rewrites <paramref name="outgoing"/>, which holds a copy of the incoming request's headers.</summary>
    public static void Apply(HttpContext context, HttpRequestHeaders outgoing, TrustedProxies trustedProxies)
    {
        var request = context.Request;
        var incoming = request.Headers;
        var peer = context.Connection.RemoteIpAddress;
        var fromTrustedProxy = trustedProxies.Trusts(peer);
        outgoing.Host = null;

        var peerAddress = peer is null ? null : TrustedProxyEntry.Normalize(peer).ToString();
        var chain = incoming[For];
        if (chain.Count > 0)
        {
            outgoing.Remove(For);
        }

        var forwardedFor = fromTrustedProxy && !StringValues.IsNullOrEmpty(chain) ? Append(chain, peerAddress) : peerAddress;
        if (forwardedFor is not null)
        {
            outgoing.TryAddWithoutValidation(For, forwardedFor);
        }

        Set(outgoing, incoming, Proto, request.Scheme, fromTrustedProxy);
        Set(outgoing, incoming, Host, request.Host.Value, fromTrustedProxy);
    }

    private static string Append(StringValues chain, string? peerAddress)
    {
        var existing = chain.Count == 1 ? chain[0]! : string.Join(", ", chain.ToArray());
        return peerAddress is null ? existing : string.Concat(existing, ", ", peerAddress);
    }

    /// <summary>A trusted proxy's value stands (it saw the client); anyone else's is replaced by what this gateway saw.</summary>
    private static void Set(HttpRequestHeaders outgoing, IHeaderDictionary incoming, string name, string? value, bool fromTrustedProxy)
    {
        if (incoming.ContainsKey(name))
        {
            if (fromTrustedProxy)
            {
                return;
            }

            outgoing.Remove(name);
        }

        if (!string.IsNullOrEmpty(value))
        {
            outgoing.TryAddWithoutValidation(name, value);
        }
    }
}
