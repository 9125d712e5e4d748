using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The hot path: key → current snapshot → first usable replica in the key's order → forward, retrying a safe request
/// once on the next replica when the first one fails. No grain call and no lock per request.
/// </summary>
public sealed class ReplicaProxy : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly RingSnapshotStore _store;
    private readonly ReplicaSuspects _suspects;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<ReplicaProxy> _logger;
    private readonly KeySelector _keys;
    private readonly InFlightTracker _inFlight;
    private readonly double _balanceFactor;
    private readonly int _retryAttempts;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly ReplicaResponseTransformer _transformer;

    public ReplicaProxy(
        IHttpForwarder forwarder,
        RingSnapshotStore store,
        ReplicaSuspects suspects,
        GatewayMetrics metrics,
        InFlightTracker inFlight,
        IOptions<GatewayOptions> options,
        IOptions<BalancingOptions> balancing,
        ILogger<ReplicaProxy> logger)
    {
        _forwarder = forwarder;
        _store = store;
        _suspects = suspects;
        _metrics = metrics;
        _logger = logger;
        _keys = new KeySelector(options.Value.RequestIdHeader, options.Value.KeySources, options.Value.Routes);
        _inFlight = inFlight;
        _balanceFactor = balancing.Value.BalanceFactor;
        _retryAttempts = options.Value.RetryAttempts;
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
        _transformer = new ReplicaResponseTransformer(options.Value.RequestIdHeader, options.Value.RewriteNotFound);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var snapshot = _store.Current;
        var key = _keys.Select(context);
        var hash = snapshot.Hash(key.Value);
        // In-flight counts are kept whether or not bounded loads use them: /ring and the metrics show them.
        var counters = _inFlight.For(snapshot);
        var index = _balanceFactor > 0 ? ChooseBounded(snapshot, hash, counters) : Choose(snapshot, hash, []);
        if (index < 0)
        {
            await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "No replicas available");
            return;
        }

        var decision = new RouteDecision { Replica = snapshot.Replicas[index].Name, GeneratedKey = key.Generated ? key.Value : null };
        context.Features.Set(decision);
        var held = counters[index];
        Interlocked.Increment(ref held.Value);

        try
        {
            var error = await _forwarder.SendAsync(context, snapshot.Replicas[index].Address, _invoker, _requestConfig, _transformer);
            if (error != ForwarderError.None)
            {
                await RecoverAsync(context, snapshot, hash, index, error, decision);
            }
        }
        finally
        {
            Interlocked.Decrement(ref held.Value);
        }

        _metrics.Routed(decision.Replica, context.Response.StatusCode, start);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>The first replica in the key's order that is up, not suspect here, and not in <paramref name="exclude"/>.</summary>
    private int Choose(RoutingSnapshot snapshot, ulong hash, ReadOnlySpan<int> exclude)
    {
        var index = snapshot.Route(hash);
        if (index < 0 || (!exclude.Contains(index) && (_suspects.IsEmpty || !_suspects.IsSuspect(snapshot.Replicas[index]))))
        {
            return index;
        }

        Span<int> order = stackalloc int[snapshot.Count];
        var count = snapshot.PreferenceOrder(hash, order);
        var fallback = -1;
        for (var i = 0; i < count; i++)
        {
            var candidate = order[i];
            if (exclude.Contains(candidate) || !snapshot.Replicas[candidate].IsUp)
            {
                continue;
            }

            if (!_suspects.IsSuspect(snapshot.Replicas[candidate]))
            {
                return candidate;
            }

            // Every replica suspect: trying one beats failing the request.
            fallback = fallback < 0 ? candidate : fallback;
        }

        return fallback;
    }

    /// <summary>Bounded loads: the first replica in the key's order under ⌈factor · mean⌉ in-flight requests.</summary>
    private int ChooseBounded(RoutingSnapshot snapshot, ulong hash, System.Runtime.CompilerServices.StrongBox<int>[] counters)
    {
        Span<int> loads = stackalloc int[counters.Length];
        for (var i = 0; i < loads.Length; i++)
        {
            loads[i] = Volatile.Read(ref counters[i].Value);
        }

        var index = snapshot.RouteBounded(hash, loads, _balanceFactor);
        if (index < 0 || _suspects.IsEmpty || !_suspects.IsSuspect(snapshot.Replicas[index]))
        {
            var owner = snapshot.Route(hash);
            if (index != owner && owner >= 0)
            {
                _metrics.Diverted(snapshot.Replicas[owner].Name);
            }

            return index;
        }

        return Choose(snapshot, hash, []);
    }

    private async Task<ForwarderError> RecoverAsync(
        HttpContext context, RoutingSnapshot snapshot, ulong hash, int failed, ForwarderError error, RouteDecision decision)
    {
        var failedName = snapshot.Replicas[failed].Name;
        if (IsReplicaFailure(error) && _suspects.Mark(snapshot.Replicas[failed]))
        {
            _metrics.MarkedSuspect(failedName);
        }

        // Each failed replica is skipped from then on, so a retry never goes back to one that just failed.
        var tried = new int[_retryAttempts + 1];
        tried[0] = failed;
        for (var attempt = 1; attempt <= _retryAttempts && IsReplicaFailure(error) && !context.Response.HasStarted
            && IsSafeToRetry(context.Request, context.Features.Get<IForwarderErrorFeature>()?.Exception); attempt++)
        {
            var next = Choose(snapshot, hash, tried.AsSpan(0, attempt));
            if (next < 0)
            {
                break;
            }

            _logger.LogInformation("Retrying on {Replica} after {FailedReplica} failed: {Error}", snapshot.Replicas[next].Name, decision.Replica, error);
            _metrics.Retried(decision.Replica);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            decision.Replica = snapshot.Replicas[next].Name;
            tried[attempt] = next;
            error = await _forwarder.SendAsync(context, snapshot.Replicas[next].Address, _invoker, _requestConfig, _transformer);
            if (error == ForwarderError.None)
            {
                return error;
            }

            if (IsReplicaFailure(error) && _suspects.Mark(snapshot.Replicas[next]))
            {
                _metrics.MarkedSuspect(decision.Replica);
            }
        }

        _logger.LogWarning(context.Features.Get<IForwarderErrorFeature>()?.Exception, "Forwarding to replica {Replica} failed: {Error}", decision.Replica, error);
        if (!context.Response.HasStarted && error != ForwarderError.RequestCanceled)
        {
            context.Response.Clear();
            context.Response.Headers["X-Replica"] = decision.Replica;
            await SeedJson.WriteFailureAsync(context.Response, StatusCodes.Status502BadGateway, $"Replica '{decision.Replica}' did not answer");
        }

        return error;
    }

    /// <summary>The replica, not the client, failed: it refused, reset or did not answer in time.</summary>
    private static bool IsReplicaFailure(ForwarderError error) =>
        error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.ResponseHeaders;

    /// <summary>Safe methods, or any request that never reached the replica.</summary>
    private static bool IsSafeToRetry(HttpRequest request, Exception? exception) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
        || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

}
