using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The hot path: key → current snapshot → replica → forward. No grain call and no lock per request.
/// </summary>
public sealed class ReplicaProxy : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly RingSnapshotStore _store;
    private readonly ILogger<ReplicaProxy> _logger;
    private readonly string _requestIdHeader;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly ReplicaResponseTransformer _transformer;

    public ReplicaProxy(IHttpForwarder forwarder, RingSnapshotStore store, IOptions<GatewayOptions> options, ILogger<ReplicaProxy> logger)
    {
        _forwarder = forwarder;
        _store = store;
        _logger = logger;
        _requestIdHeader = options.Value.RequestIdHeader;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ActivityHeadersPropagator = null,
        });
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = options.Value.ReplicaTimeout };
        _transformer = new ReplicaResponseTransformer(_requestIdHeader, options.Value.RewriteNotFound);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var snapshot = _store.Current;
        var key = context.Request.Headers[_requestIdHeader].ToString();
        string? generated = null;
        if (key.Length == 0)
        {
            key = generated = RandomRequestId();
            context.Request.Headers[_requestIdHeader] = key;
        }

        var index = snapshot.Route(snapshot.Hash(key));
        if (index < 0)
        {
            await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "No replicas available");
            return;
        }

        var replica = snapshot.Replicas[index];
        context.Features.Set(new RouteDecision { Replica = replica.Name, GeneratedKey = generated });
        var error = await _forwarder.SendAsync(context, replica.Address, _invoker, _requestConfig, _transformer);
        if (error != ForwarderError.None)
        {
            var failure = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            _logger.LogWarning(failure, "Forwarding to replica {Replica} failed: {Error}", replica.Name, error);
            if (!context.Response.HasStarted)
            {
                context.Response.Headers["X-Replica"] = replica.Name;
                await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status502BadGateway, $"Replica '{replica.Name}' did not answer");
            }
        }
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>The seed's routing key when the client sends none: a random 6-digit request id.</summary>
    private static string RandomRequestId() =>
        Random.Shared.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
