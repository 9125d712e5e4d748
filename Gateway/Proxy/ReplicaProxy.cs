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
/// The hot path: current snapshot and settings → <see cref="RouteSelector"/> → forward, retrying a safe request on
/// the next replicas in the key's order when one fails. No grain call and no lock per request. A failure on the
/// client's side (an upload cut short, bad chunking, a body over the limit, a client gone) is answered as such and
/// never held against a replica. A request that already passed through a gateway of this cluster (<see cref="GatewayVia"/>)
/// is answered 508 and goes nowhere.
/// </summary>
internal sealed class ReplicaProxy
{
    private readonly IHttpForwarder _forwarder;
    private readonly RingSnapshotStore _store;
    private readonly ReplicaSuspects _suspects;
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
        _suspects = suspects;
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
        _transformer = new ReplicaTransformer(options.Value.RequestIdHeader, options.Value.RewriteNotFound, _trustedProxies, upgraded, via);
    }

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
            GeneratedKey = choice.GeneratedKey,
            IssuedCookie = choice.GeneratedKey is null ? default : context.Response.Headers.SetCookie,
            ResponseHeadersTimeout = settings.ResponseHeadersTimeout,
            Timed = log is not null,
        };
        context.Features.Set(decision);
        var index = choice.Index;
        try
        {
            var error = await ForwardAsync(context, snapshot.Replicas[index], settings, decision);
            if (error != ForwarderError.None)
            {
                index = await RecoverAsync(context, settings, snapshot, choice, error, decision);
            }
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

    /// <summary>Retries a safe request on the next replicas in the key's order; returns the replica that holds its place (-1: none).</summary>
    private async Task<int> RecoverAsync(HttpContext context, GatewaySettings settings, RoutingSnapshot snapshot, SelectedRoute choice, ForwarderError error, ProxyOutcome decision)
    {
        var failed = choice.Index;
        if (IsReplicaFailure(context, error) && _suspects.Mark(snapshot.Replicas[failed], settings.SuspectFor))
        {
            _metrics.MarkedSuspect(decision.Replica);
        }

        // Each failed replica is skipped from then on, so a retry never goes back to one that just failed.
        var tried = new int[settings.RetryAttempts + 1];
        tried[0] = failed;
        var current = failed;
        for (var attempt = 1; attempt <= settings.RetryAttempts && IsReplicaFailure(context, error) && !context.Response.HasStarted
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
            ClearResponse(context, decision);
            context.Features.Set<IForwarderErrorFeature>(null);
            decision.Replica = snapshot.Replicas[next].Name;
            decision.Attempts = attempt + 1;
            tried[attempt] = next;
            error = await ForwardAsync(context, snapshot.Replicas[next], settings, decision);
            if (error == ForwarderError.None)
            {
                return current;
            }

            if (IsReplicaFailure(context, error) && _suspects.Mark(snapshot.Replicas[next], settings.SuspectFor))
            {
                _metrics.MarkedSuspect(decision.Replica);
            }
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (IsIdleCut(context, error))
        {
            _logger.LogInformation(
                "The exchange of {Client} with replica {Replica} was cut after {Limit} without a byte moving (Gateway:StreamIdleTimeout): {Error}",
                _trustedProxies.ClientOf(context), decision.Replica, settings.RequestConfigs.ActivityTimeout, error);
            return current;
        }

        if (IsClientFault(context, error))
        {
            _logger.LogInformation(
                "The request from {Client} to replica {Replica} failed on the client's side: {Error} ({Reason})",
                _trustedProxies.ClientOf(context), decision.Replica, error, exception?.GetBaseException().Message);
            if (error == ForwarderError.RequestBodyClient && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // The forwarder took the status from Kestrel's reader: 413 (too large), 408 (too slow) or 400 (malformed).
                var status = context.Response.StatusCode;
                ClearResponse(context, decision);
                await ApiEnvelope.WriteFailureAsync(context.Response, status, status switch
                {
                    StatusCodes.Status413PayloadTooLarge => $"The request body is larger than the gateway takes ({_maxRequestBodySize} bytes)",
                    StatusCodes.Status408RequestTimeout => "The request body did not arrive in time",
                    _ => "The request body was malformed or ended early",
                });
            }

            return current;
        }

        _logger.LogWarning(exception, "Forwarding a request from {Client} to replica {Replica} failed: {Error}", _trustedProxies.ClientOf(context), decision.Replica, error);
        if (!context.Response.HasStarted)
        {
            ClearResponse(context, decision);
            context.Response.Headers["X-Replica"] = decision.Replica;
            if (decision.GeneratedKey is not null)
            {
                context.Response.Headers[_transformer.RequestIdHeader] = decision.GeneratedKey;
            }

            await ApiEnvelope.WriteFailureAsync(context.Response, StatusCodes.Status502BadGateway, error == ForwarderError.ResponseHeaders
                ? $"The response of replica '{decision.Replica}' could not be passed on"
                : $"Replica '{decision.Replica}' did not answer");
        }

        return current;
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

    /// <summary>Empties the response for another attempt or an error, keeping the cookie the key chain issued.</summary>
    private static void ClearResponse(HttpContext context, ProxyOutcome decision)
    {
        context.Response.Clear();
        if (decision.IssuedCookie.Count > 0)
        {
            context.Response.Headers.SetCookie = decision.IssuedCookie;
        }
    }

    /// <summary>
    /// The replica, not the client, failed: it refused, reset or did not answer in time, with the client still there.
    /// A response head the gateway cannot copy (<see cref="ForwarderError.ResponseHeaders"/>) is the gateway's problem:
    /// another replica would send the same, and marking this one would let any client move keys by asking for it.
    /// </summary>
    private static bool IsReplicaFailure(HttpContext context, ForwarderError error) =>
        error is ForwarderError.Request or ForwarderError.RequestTimedOut
        && !context.RequestAborted.IsCancellationRequested;

    /// <summary>The stream idle limit (the forwarder's activity timeout) ended a body or an upgraded connection under way.</summary>
    private static bool IsIdleCut(HttpContext context, ForwarderError error) =>
        !context.RequestAborted.IsCancellationRequested && error is ForwarderError.ResponseBodyCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeActivityTimeout;

    /// <summary>The client went away, or sent a body that could not be read (cut short, bad chunking, too large).</summary>
    private static bool IsClientFault(HttpContext context, ForwarderError error) =>
        context.RequestAborted.IsCancellationRequested || error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseCanceled
            or ForwarderError.UpgradeResponseClient;

    /// <summary>Safe methods, or any request that never reached the replica.</summary>
    private static bool IsSafeToRetry(HttpRequest request, Exception? exception) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
        || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
}
