using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// What follows an attempt on a replica: its outcome counted for outlier detection (<see cref="OutlierDetector"/>),
/// a failed replica marked suspect, and the request retried on the next replicas in the key's order when
/// <see cref="RetryRules"/> and the <see cref="RetryBudget"/> allow: after a failure (refused, reset, timed out) or a
/// status of <c>Gateway:RetryOnStatus</c>, whose response is then held back (<see cref="HoldBackForRetry"/>). The last
/// replica's answer goes to the client as it was; a failure no retry could mend is answered 502 here.
/// </summary>
internal sealed class ReplicaRetries(
    ReplicaSuspects suspects,
    OutlierDetector outliers,
    RetryBudget budget,
    GatewayMetrics metrics,
    TrustedProxies trustedProxies,
    string requestIdHeader,
    long maxRequestBodySize,
    ILogger logger)
{
    /// <summary>Sends one attempt to the replica at an address (the proxy's forwarding, timed when the access log is on).</summary>
    public delegate ValueTask<ForwarderError> Forward(HttpContext context, RoutedReplica replica, GatewaySettings settings, ProxyOutcome decision);

    /// <summary>A request is on its way to its first replica: it counts toward the retry budget.</summary>
    public void Started() => budget.CountRequest(Environment.TickCount64);

    /// <summary>
    /// Called as a replica's response head arrives, before anything is sent: whether to hold it back and retry the
    /// request elsewhere. Only when a next replica exists and the budget has a retry, so a response held back is always
    /// followed by another attempt, and the last one is passed on as it was.
    /// </summary>
    public bool HoldBackForRetry(HttpContext context, ProxyOutcome decision, int status)
    {
        var settings = decision.Settings;
        if (!RetryRules.IsRetriedStatus(settings.RetryOnStatus, status) || decision.Attempts > settings.RetryAttempts
            || !RetryRules.MaySendAgainAfterStatus(context.Request.Method, RetryRules.HasBody(context.Request))
            || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        var tried = TriedOf(decision);
        if (!settings.Router.HasNext(decision.Snapshot, decision.Route, tried.AsSpan(0, decision.Attempts)) || !TakeRetry(settings, decision.Replica))
        {
            return false;
        }

        decision.RetryPending = true;
        return true;
    }

    /// <summary>The attempt on replica <paramref name="index"/> was answered: counted for outlier detection.</summary>
    public int Answered(HttpContext context, RoutingSnapshot snapshot, int index, GatewaySettings settings)
    {
        CountAnswer(snapshot.Replicas[index], snapshot, settings, context.Response.StatusCode);
        return index;
    }

    /// <summary>A replica answered <paramref name="status"/>: counted for outlier detection.</summary>
    public void CountAnswer(RoutedReplica replica, RoutingSnapshot snapshot, GatewaySettings settings, int status)
    {
        if (RetryRules.IsFailureStatus(status))
        {
            outliers.Failed(replica, snapshot, settings.Outlier);
        }
        else
        {
            outliers.Succeeded(replica);
        }
    }

    /// <summary>A replica failed (refused, reset, did not answer in time): marked suspect for <c>Gateway:SuspectFor</c> and counted.</summary>
    public void CountFailure(RoutedReplica replica, RoutingSnapshot snapshot, GatewaySettings settings)
    {
        if (suspects.Mark(replica, settings.SuspectFor))
        {
            metrics.MarkedSuspect(replica.Name);
        }

        outliers.Failed(replica, snapshot, settings.Outlier);
    }

    /// <summary>After a failed or held-back attempt: retries while allowed; returns the replica that holds the request's place (-1: none).</summary>
    public async Task<int> RecoverAsync(
        HttpContext context, GatewaySettings settings, RoutingSnapshot snapshot, SelectedRoute choice, ForwarderError error, ProxyOutcome decision, Forward forward)
    {
        var current = choice.Index;
        var tried = TriedOf(decision);
        Observe(context, settings, snapshot, current, error);

        // Each replica tried is skipped from then on, so a retry never goes back to one that just failed.
        while (error == ForwarderError.None ? decision.RetryPending : MayRetryFailure(context, settings, error, decision))
        {
            var next = settings.Router.Retry(snapshot, choice, current, tried.AsSpan(0, decision.Attempts));
            current = next;
            if (next < 0)
            {
                break;
            }

            if (error == ForwarderError.None)
            {
                logger.LogInformation("Retrying on {Replica} after {FailedReplica} answered {Status}", snapshot.Replicas[next].Name, decision.Replica, context.Response.StatusCode);
            }
            else
            {
                logger.LogInformation("Retrying on {Replica} after {FailedReplica} failed: {Error}", snapshot.Replicas[next].Name, decision.Replica, error);
            }

            metrics.Retried(decision.Replica);
            ClearResponse(context, decision);
            context.Features.Set<IForwarderErrorFeature>(null);
            decision.RetryPending = false;
            decision.Replica = snapshot.Replicas[next].Name;
            tried[decision.Attempts] = next;
            decision.Attempts++;
            error = await forward(context, snapshot.Replicas[next], settings, decision);
            Observe(context, settings, snapshot, next, error);
        }

        return error == ForwarderError.None ? current : await FailAsync(context, settings, error, decision, current);
    }

    /// <summary>Counts the attempt's outcome against its replica; a replica that failed is also marked suspect for <c>Gateway:SuspectFor</c>.</summary>
    private void Observe(HttpContext context, GatewaySettings settings, RoutingSnapshot snapshot, int index, ForwarderError error)
    {
        if (error == ForwarderError.None)
        {
            Answered(context, snapshot, index, settings);
        }
        else if (IsReplicaFailure(context, error))
        {
            CountFailure(snapshot.Replicas[index], snapshot, settings);
        }
    }

    private bool MayRetryFailure(HttpContext context, GatewaySettings settings, ForwarderError error, ProxyOutcome decision) =>
        decision.Attempts <= settings.RetryAttempts && IsReplicaFailure(context, error) && !context.Response.HasStarted
        && RetryRules.MaySendAgainAfterFailure(context.Request.Method, context.Features.Get<IForwarderErrorFeature>()?.Exception)
        && TakeRetry(settings, decision.Replica);

    /// <summary>Takes a retry from the budget; when it is spent, counted against <paramref name="replica"/>, which failed.</summary>
    public bool TakeRetry(GatewaySettings settings, string replica)
    {
        if (budget.TryTakeRetry(Environment.TickCount64, settings.RetryBudget.Percent, settings.RetryBudget.MinRetries))
        {
            return true;
        }

        metrics.RetryBudgetExhausted(replica);
        return false;
    }

    private static int[] TriedOf(ProxyOutcome decision)
    {
        if (decision.Tried is null)
        {
            decision.Tried = new int[decision.Settings.RetryAttempts + 1];
            decision.Tried[0] = decision.Route.Index;
        }

        return decision.Tried;
    }

    /// <summary>The last attempt failed: said so, and answered 502 unless the client is at fault or the response had started.</summary>
    private async Task<int> FailAsync(HttpContext context, GatewaySettings settings, ForwarderError error, ProxyOutcome decision, int current)
    {
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (IsIdleCut(context, error))
        {
            logger.LogInformation(
                "The exchange of {Client} with replica {Replica} was cut after {Limit} without a byte moving (Gateway:StreamIdleTimeout): {Error}",
                trustedProxies.ClientOf(context), decision.Replica, settings.RequestConfigs.ActivityTimeout, error);
            return current;
        }

        if (IsClientFault(context, error))
        {
            logger.LogInformation(
                "The request from {Client} to replica {Replica} failed on the client's side: {Error} ({Reason})",
                trustedProxies.ClientOf(context), decision.Replica, error, exception?.GetBaseException().Message);
            if (error == ForwarderError.RequestBodyClient && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // The forwarder took the status from Kestrel's reader: 413 (too large), 408 (too slow) or 400 (malformed).
                var status = context.Response.StatusCode;
                ClearResponse(context, decision);
                await ApiEnvelope.WriteFailureAsync(context.Response, status, status switch
                {
                    StatusCodes.Status413PayloadTooLarge => $"The request body is larger than the gateway takes ({maxRequestBodySize} bytes)",
                    StatusCodes.Status408RequestTimeout => "The request body did not arrive in time",
                    _ => "The request body was malformed or ended early",
                });
            }

            return current;
        }

        logger.LogWarning(exception, "Forwarding a request from {Client} to replica {Replica} failed: {Error}", trustedProxies.ClientOf(context), decision.Replica, error);
        if (!context.Response.HasStarted)
        {
            ClearResponse(context, decision);
            context.Response.Headers["X-Replica"] = decision.Replica;
            if (decision.GeneratedKey is not null)
            {
                context.Response.Headers[requestIdHeader] = decision.GeneratedKey;
            }

            await ApiEnvelope.WriteFailureAsync(context.Response, StatusCodes.Status502BadGateway, error == ForwarderError.ResponseHeaders
                ? $"The response of replica '{decision.Replica}' could not be passed on"
                : $"Replica '{decision.Replica}' did not answer");
        }

        return current;
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
}
