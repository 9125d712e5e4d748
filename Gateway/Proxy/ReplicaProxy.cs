using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy.AccessLog;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The hot path: current snapshot and settings → <see cref="RouteSelector"/> → forward, then <see cref="ReplicaRetries"/>:
/// outlier detection counts the answer, and a request a replica failed or answered 502/503/504 may go on to the next
/// replicas in the key's order. No grain call and no lock per request. A failure on the
/// client's side (an upload cut short, bad chunking, a body over the limit, a client gone) is answered as such and
/// never held against a replica. A request that already passed through a gateway of this cluster (<see cref="GatewayVia"/>)
/// is answered 508 and goes nowhere.
/// </summary>
internal sealed class ReplicaProxy
{
    private readonly IHttpForwarder _forwarder;
    private readonly RingSnapshotStore _store;
    private readonly ReplicaRetries _retries;
    private readonly ReplicaRetries.Forward _forward;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<ReplicaProxy> _logger;
    private readonly GatewaySettingsStore _settings;
    private readonly ReplicaInvoker _invoker;
    private readonly ReplicaTransformer _transformer;
    private readonly TrustedProxies _trustedProxies;
    private readonly UpgradedConnections _upgraded;
    private readonly long _maxRequestBodySize;
    private readonly GatewayVia _via;
    private readonly AccessLogRecorder _accessLog;

    public ReplicaProxy(
        IHttpForwarder forwarder,
        RingSnapshotStore store,
        ReplicaSuspects suspects,
        OutlierDetector outliers,
        RetryBudget budget,
        GatewayMetrics metrics,
        GatewaySettingsStore settings,
        UpgradedConnections upgraded,
        GatewayVia via,
        AccessLogRecorder accessLog,
        IOptions<GatewayOptions> options,
        ReplicaInvoker invoker,
        ILogger<ReplicaProxy> logger)
    {
        _forwarder = forwarder;
        _store = store;
        _metrics = metrics;
        _logger = logger;
        _settings = settings;
        _upgraded = upgraded;
        _via = via;
        _accessLog = accessLog;
        _trustedProxies = new TrustedProxies(options.Value.TrustedProxies);
        _maxRequestBodySize = options.Value.MaxRequestBodySize;
        _invoker = invoker;
        logger.LogInformation(
            "Proxying to replicas with the {UpstreamClient} upstream client, as '{Via}' in Via", options.Value.UpstreamClient, via.Pseudonym);
        _retries = new ReplicaRetries(
            suspects, outliers, budget, metrics, _trustedProxies, options.Value.RequestIdHeader, _maxRequestBodySize, logger);
        _forward = ForwardAsync;
        _transformer = new ReplicaTransformer(options.Value.RequestIdHeader, options.Value.RewriteNotFound, _trustedProxies, upgraded, via, _retries);
    }

    /// <summary>What follows an attempt on a replica; the fast lane counts and retries by the same rules.</summary>
    public ReplicaRetries Retries => _retries;

    public Task InvokeAsync(HttpContext context)
    {
        var settings = _settings.Current;
        if (settings.AccessLog == AccessLogFormat.Off)
        {
            return ProxyAsync(context, settings, Stopwatch.GetTimestamp(), null);
        }

        // A line the admin pipeline started (a method its endpoints do not take, proxied after all) is completed there.
        return AccessLogRecorder.Current(context) is { } started
            ? ProxyAsync(context, settings, Stopwatch.GetTimestamp(), started)
            : LoggedAsync(context, settings);
    }

    private async Task LoggedAsync(HttpContext context, GatewaySettings settings)
    {
        var start = Stopwatch.GetTimestamp();
        var entry = _accessLog.Begin(context, settings.AccessLog)!;
        try
        {
            await ProxyAsync(context, settings, start, entry);
        }
        finally
        {
            _accessLog.End(context, entry, start);
        }
    }

    private async Task ProxyAsync(HttpContext context, GatewaySettings settings, long start, AccessLogEntry? log)
    {
        if (_via.CameBack(context.Request))
        {
            await RejectLoopAsync(context);
            _metrics.Routed(GatewayMetrics.NoReplica, context.Response.StatusCode, start);
            return;
        }

        if (context.Request.ContentLength > _maxRequestBodySize)
        {
            await RejectTooLargeAsync(context);
            _metrics.Routed(GatewayMetrics.NoReplica, context.Response.StatusCode, start);
            return;
        }

        var snapshot = _store.Current;
        var choice = settings.Router.Choose(context, snapshot);
        if (log is not null)
        {
            log.Key = settings.AccessLogKey == AccessLogKey.Plain ? choice.Key : null;
            log.KeyHash = settings.AccessLogKey == AccessLogKey.Hash ? choice.Hash : null;
        }

        if (choice.Index < 0)
        {
            if (choice.GeneratedKey is not null)
            {
                context.Response.Headers[_transformer.RequestIdHeader] = choice.GeneratedKey;
            }

            await ApiEnvelope.WriteFailureAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "No replicas available");
            _metrics.Routed(GatewayMetrics.NoReplica, context.Response.StatusCode, start);
            return;
        }

        var decision = new ProxyOutcome
        {
            Replica = snapshot.Replicas[choice.Index].Name,
            GeneratedKey = choice.GeneratedKey, KeyHash = choice.Hash,
            IssuedCookie = choice.GeneratedKey is null ? default : context.Response.Headers.SetCookie,
            ResponseHeadersTimeout = settings.ResponseHeadersTimeout,
            Timed = log is not null,
            Settings = settings,
            Snapshot = snapshot,
            Route = choice,
        };
        context.Features.Set(decision);
        var index = choice.Index;
        try
        {
            _retries.Started();
            var error = await ForwardAsync(context, snapshot.Replicas[index], settings, decision);
            index = error == ForwarderError.None && !decision.RetryPending
                ? _retries.Answered(context, snapshot, index, settings)
                : await _retries.RecoverAsync(context, settings, snapshot, choice, error, decision, _forward);
        }
        finally
        {
            if (decision.Upgraded)
            {
                _upgraded.Remove(context);
            }

            if (index >= 0)
            {
                settings.Router.Release(choice, index);
            }

            if (log is not null)
            {
                log.Replica = decision.Replica;
                log.Attempts = decision.Attempts;
                log.UpstreamTime = Stopwatch.GetElapsedTime(0, decision.UpstreamTicks);
            }
        }

        _metrics.Routed(decision.Replica, context.Response.StatusCode, start);
    }

    /// <summary>One attempt, in the replica's protocol; timed for the access log only when it is on, so that off costs not even a clock read.</summary>
    private ValueTask<ForwarderError> ForwardAsync(HttpContext context, RoutedReplica replica, GatewaySettings settings, ProxyOutcome decision) =>
        decision.Timed
            ? TimedForwardAsync(context, replica, settings, decision)
            : _forwarder.SendAsync(context, replica.Address, _invoker, settings.RequestConfigs.For(replica.Protocol), _transformer);

    private async ValueTask<ForwarderError> TimedForwardAsync(HttpContext context, RoutedReplica replica, GatewaySettings settings, ProxyOutcome decision)
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            return await _forwarder.SendAsync(context, replica.Address, _invoker, settings.RequestConfigs.For(replica.Protocol), _transformer);
        }
        finally
        {
            decision.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }
    }

    /// <summary>
    /// Answers a request that came back to the cluster (an external replica's address leads to a gateway) at once: not
    /// proxied, so the loop ends here, and no replica is held to blame. The gateway's own paths answer so too, so that
    /// the replica manager's probe of such a replica fails (<see cref="GatewayVia"/>).
    /// </summary>
    public Task RejectLoopAsync(HttpContext context)
    {
        _logger.LogWarning(
            "A request from {Client} for {Path} came back to the cluster (Via: {Via}): answered 508; an external replica's address leads to a gateway",
            _trustedProxies.ClientOf(context), context.Request.Path, context.Request.Headers.Via.ToString());
        return ApiEnvelope.WriteFailureAsync(
            context.Response,
            StatusCodes.Status508LoopDetected,
            "Loop detected: the request already passed through a gateway of this cluster; an external replica's address leads back to a gateway");
    }

    /// <summary>Answers a request whose declared body is over the limit before anything reaches a replica.</summary>
    private Task RejectTooLargeAsync(HttpContext context)
    {
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            // The body it announced is never read, so nothing more can follow on this connection.
            context.Response.Headers.Connection = "close";
        }

        return ApiEnvelope.WriteFailureAsync(
            context.Response,
            StatusCodes.Status413PayloadTooLarge,
            $"The request body of {context.Request.ContentLength} bytes is larger than the gateway takes ({_maxRequestBodySize} bytes)");
    }
}
