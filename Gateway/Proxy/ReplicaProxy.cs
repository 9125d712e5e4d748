using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The hot path: current snapshot and settings → <see cref="RouteSelector"/> → forward, retrying a safe request on
/// the next replicas in the key's order when one fails. No grain call and no lock per request.
/// </summary>
public sealed class ReplicaProxy : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly RingSnapshotStore _store;
    private readonly ReplicaSuspects _suspects;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<ReplicaProxy> _logger;
    private readonly GatewaySettingsStore _settings;
    private readonly HttpMessageInvoker _invoker;
    private readonly ReplicaResponseTransformer _transformer;

    public ReplicaProxy(
        IHttpForwarder forwarder,
        RingSnapshotStore store,
        ReplicaSuspects suspects,
        GatewayMetrics metrics,
        GatewaySettingsStore settings,
        IOptions<GatewayOptions> options,
        ILogger<ReplicaProxy> logger)
    {
        _forwarder = forwarder;
        _store = store;
        _suspects = suspects;
        _metrics = metrics;
        _logger = logger;
        _settings = settings;
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
        _transformer = new ReplicaResponseTransformer(options.Value.RequestIdHeader, options.Value.RewriteNotFound);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var snapshot = _store.Current;
        var settings = _settings.Current;
        var choice = settings.Router.Choose(context, snapshot);
        if (choice.Index < 0)
        {
            if (choice.GeneratedKey is not null)
            {
                context.Response.Headers[_transformer.RequestIdHeader] = choice.GeneratedKey;
            }

            await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "No replicas available");
            _metrics.Routed(GatewayMetrics.NoReplica, context.Response.StatusCode, start);
            return;
        }

        var decision = new RouteDecision { Replica = snapshot.Replicas[choice.Index].Name, GeneratedKey = choice.GeneratedKey };
        context.Features.Set(decision);
        var index = choice.Index;
        try
        {
            var error = await _forwarder.SendAsync(context, snapshot.Replicas[index].Address, _invoker, settings.RequestConfig, _transformer);
            if (error != ForwarderError.None)
            {
                index = await RecoverAsync(context, settings, snapshot, choice, error, decision);
            }
        }
        finally
        {
            if (index >= 0)
            {
                settings.Router.Release(choice, index);
            }
        }

        _metrics.Routed(decision.Replica, context.Response.StatusCode, start);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>Retries a safe request on the next replicas in the key's order; returns the replica that holds its place (-1: none).</summary>
    private async Task<int> RecoverAsync(HttpContext context, GatewaySettings settings, RoutingSnapshot snapshot, RouteChoice choice, ForwarderError error, RouteDecision decision)
    {
        var failed = choice.Index;
        if (IsReplicaFailure(error) && _suspects.Mark(snapshot.Replicas[failed], settings.SuspectFor))
        {
            _metrics.MarkedSuspect(decision.Replica);
        }

        // Each failed replica is skipped from then on, so a retry never goes back to one that just failed.
        var tried = new int[settings.RetryAttempts + 1];
        tried[0] = failed;
        var current = failed;
        for (var attempt = 1; attempt <= settings.RetryAttempts && IsReplicaFailure(error) && !context.Response.HasStarted
            && IsSafeToRetry(context.Request, context.Features.Get<IForwarderErrorFeature>()?.Exception); attempt++)
        {
            var next = settings.Router.Retry(snapshot, choice, current, tried.AsSpan(0, attempt));
            current = next;
            if (next < 0)
            {
                break;
            }

            _logger.LogInformation("Retrying on {Replica} after {FailedReplica} failed: {Error}", snapshot.Replicas[next].Name, decision.Replica, error);
            _metrics.Retried(decision.Replica);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            decision.Replica = snapshot.Replicas[next].Name;
            decision.Attempts = attempt + 1;
            tried[attempt] = next;
            error = await _forwarder.SendAsync(context, snapshot.Replicas[next].Address, _invoker, settings.RequestConfig, _transformer);
            if (error == ForwarderError.None)
            {
                return current;
            }

            if (IsReplicaFailure(error) && _suspects.Mark(snapshot.Replicas[next], settings.SuspectFor))
            {
                _metrics.MarkedSuspect(decision.Replica);
            }
        }

        _logger.LogWarning(context.Features.Get<IForwarderErrorFeature>()?.Exception, "Forwarding to replica {Replica} failed: {Error}", decision.Replica, error);
        if (!context.Response.HasStarted && error != ForwarderError.RequestCanceled)
        {
            context.Response.Clear();
            context.Response.Headers["X-Replica"] = decision.Replica;
            if (decision.GeneratedKey is not null)
            {
                context.Response.Headers[_transformer.RequestIdHeader] = decision.GeneratedKey;
            }

            await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status502BadGateway, $"Replica '{decision.Replica}' did not answer");
        }

        return current;
    }

    /// <summary>The replica, not the client, failed: it refused, reset or did not answer in time.</summary>
    private static bool IsReplicaFailure(ForwarderError error) =>
        error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.ResponseHeaders;

    /// <summary>Safe methods, or any request that never reached the replica.</summary>
    private static bool IsSafeToRetry(HttpRequest request, Exception? exception) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
        || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
}
