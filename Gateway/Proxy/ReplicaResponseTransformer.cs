using Orleans.LoadBalancer.Gateway.Admin;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Copies the replica's response and adds <c>X-Replica</c> (the generated request id, and <c>X-Attempts</c> when the
/// request was retried on another replica); when configured,
/// turns a replica's 404 into the seed's 400 "endpoint does not exist".
/// </summary>
internal sealed class ReplicaResponseTransformer(string requestIdHeader, bool rewriteNotFound) : HttpTransformer
{
    public string RequestIdHeader => requestIdHeader;

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var decision = httpContext.Features.Get<RouteDecision>();
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
        }

        if (rewriteNotFound && proxyResponse?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            httpContext.Response.Headers.ContentLength = null;
            await SeedJson.WriteFailureAsync(
                httpContext.Response,
                StatusCodes.Status400BadRequest,
                $"'{httpContext.Request.Path}' endpoint does not exist in server replicas");
            return false;
        }

        return copyBody;
    }
}
