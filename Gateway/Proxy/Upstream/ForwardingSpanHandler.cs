using System.Diagnostics;
using System.Globalization;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// One client span per forwarding attempt, child of the request's server span, lasting until the replica's response
/// head is in; the replica gets a <c>traceparent</c> naming it as the parent (and the caller's <c>tracestate</c>).
/// With nothing listening (tracing off) the request passes untouched, its own <c>traceparent</c> included, and no
/// <see cref="Activity"/> is made. Both upstream clients write the headers this leaves on the request.
/// </summary>
internal sealed class ForwardingSpanHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const string SourceName = "Orleans.LoadBalancer.Gateway";
    public const string SpanName = "forward";
    public const string ReplicaTag = "lb.replica";
    public const string AttemptTag = "lb.attempt";
    public const string KeyHashTag = "lb.key_hash";

    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    public static readonly ActivitySource Source = new(SourceName);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Source.HasListeners() && request.Options.TryGetValue(ForwardingAttempt.Key, out var attempt)
            ? TracedAsync(request, attempt, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> TracedAsync(HttpRequestMessage request, ForwardingAttempt attempt, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity(SpanName, ActivityKind.Client);
        if (activity is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ReplicaTag, attempt.Replica);
            activity.SetTag(AttemptTag, attempt.Attempt);
            activity.SetTag(KeyHashTag, attempt.KeyHash.ToString("x16", CultureInfo.InvariantCulture));
            activity.SetTag("http.request.method", request.Method.Method);
            activity.SetTag("server.address", request.RequestUri?.Host);
            activity.SetTag("server.port", request.RequestUri?.Port);
        }

        var headers = request.Headers;
        headers.Remove(TraceParent);
        headers.Remove(TraceState);
        headers.TryAddWithoutValidation(TraceParent, $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{(activity.Recorded ? "01" : "00")}");
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            headers.TryAddWithoutValidation(TraceState, activity.TraceStateString);
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            return response;
        }
        catch (Exception e)
        {
            activity.SetTag("error.type", e.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }
}
