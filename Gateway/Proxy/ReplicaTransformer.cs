using Microsoft.Net.Http.Headers;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Gateway.Responses;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Adds the <see cref="ForwardedHeaders"/> and this gateway's <see cref="GatewayVia"/> entry to the request; copies the replica's response and adds <c>X-Replica</c>
/// (the generated request id, and <c>X-Attempts</c> when the request was retried on another replica); when
/// configured, turns a replica's 404 into the seed's 400 "endpoint does not exist"; holds back a response
/// <see cref="ReplicaRetries"/> retries elsewhere.
/// </summary>
internal sealed class ReplicaTransformer(
    string requestIdHeader, bool rewriteNotFound, TrustedProxies trustedProxies, UpgradedConnections upgraded, GatewayVia via, ReplicaRetries retries) : HttpTransformer
{
    /// <summary>Headers that describe the replica's body or how to cache it: wrong for the body the gateway writes instead.</summary>
    public static readonly string[] ReplicaBodyHeaders =
    [
        HeaderNames.ContentEncoding, HeaderNames.ContentLength, HeaderNames.ContentRange, HeaderNames.ContentLanguage,
        HeaderNames.ContentLocation, HeaderNames.ContentMD5, HeaderNames.ContentDisposition, HeaderNames.ETag,
        HeaderNames.LastModified, HeaderNames.CacheControl, HeaderNames.Expires, HeaderNames.Pragma, HeaderNames.Age,
        HeaderNames.Vary, HeaderNames.AcceptRanges,
    ];

    public string RequestIdHeader => requestIdHeader;

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        if (httpContext.Features.Get<ProxyOutcome>() is { } outcome)
        {
            proxyRequest.Options.Set(ResponseHeadersTimeoutHandler.Limit, outcome.ResponseHeadersTimeout);
            if (ForwardingSpanHandler.Source.HasListeners())
            {
                proxyRequest.Options.Set(ForwardingAttempt.Key, new ForwardingAttempt(outcome.Replica, outcome.Attempts, outcome.KeyHash));
            }
        }

        var copied = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (!copied.IsCompletedSuccessfully)
        {
            return ThenAddForwardedAsync(copied, httpContext, proxyRequest);
        }

        AddForwarded(httpContext, proxyRequest);
        return default;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var decision = httpContext.Features.Get<ProxyOutcome>();
        if (decision is not null && proxyResponse is not null && retries.HoldBackForRetry(httpContext, decision, (int)proxyResponse.StatusCode))
        {
            // Nothing of it is sent: the request goes to the key's next replica (Gateway:RetryOnStatus).
            return false;
        }

        if (decision is not null)
        {
            var headers = httpContext.Response.Headers;
            headers["X-Replica"] = decision.Replica;
            if (decision.GeneratedKey is not null)
            {
                headers[requestIdHeader] = decision.GeneratedKey;
            }

            if (decision.Attempts > 1)
            {
                headers["X-Attempts"] = decision.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.SwitchingProtocols)
            {
                decision.Upgraded = true;
                upgraded.Add(httpContext, decision.Replica);
            }
        }

        if (rewriteNotFound && proxyResponse?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            var headers = httpContext.Response.Headers;
            foreach (var header in ReplicaBodyHeaders)
            {
                headers.Remove(header);
            }

            await ApiEnvelope.WriteFailureAsync(
                httpContext.Response,
                StatusCodes.Status400BadRequest,
                $"'{httpContext.Request.Path}' endpoint does not exist in server replicas");
            return false;
        }

        return copyBody;
    }

    private async ValueTask ThenAddForwardedAsync(ValueTask copied, HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        await copied;
        AddForwarded(httpContext, proxyRequest);
    }

    private void AddForwarded(HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        ForwardedHeaders.Apply(httpContext, proxyRequest.Headers, trustedProxies);
        // After the entries the request came with, as each proxy on the way appends its own.
        proxyRequest.Headers.TryAddWithoutValidation(GatewayVia.Header, via.EntryFor(httpContext.Request.Protocol));
    }
}
