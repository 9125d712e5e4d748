using System.Diagnostics;
using System.Net;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.Upstream;

/// <summary>
/// The forwarding attempt's span: none, and not a byte allocated, while nothing listens (the request's own
/// <c>traceparent</c> passes as it came); with a listener, a client span child of the current one whose ids replace the
/// request's <c>traceparent</c>, with the replica, the attempt, the key's hash and the replica's status.
/// </summary>
public sealed class ForwardingSpanHandlerTests
{
    private const string CallerTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Without_a_listener_the_request_passes_untouched_and_nothing_is_allocated()
    {
        var replica = new AnsweringHandler(HttpStatusCode.OK);
        using var invoker = new HttpMessageInvoker(new ForwardingSpanHandler(replica));
        using var request = Request(attempt: 1);

        var (bytes, sent) = AllocationProbe.Steady(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.True(sent.IsCompletedSuccessfully);
        Assert.Equal(0, bytes);
        Assert.Equal(CallerTraceParent, TraceParentOf(request));
        Assert.False(ForwardingSpanHandler.Source.HasListeners());
    }

    [Fact]
    public async Task With_a_listener_each_attempt_is_a_child_span_and_the_replica_is_told_its_id()
    {
        var stopped = new List<Activity>();
        using var listener = Listen(stopped);
        // As ASP.NET Core starts the request's span: parented by its traceparent, carrying its tracestate.
        using var server = new Activity("request").SetParentId(CallerTraceParent).Start();
        server.TraceStateString = "caller=1";
        var replica = new AnsweringHandler(HttpStatusCode.BadGateway);
        using var invoker = new HttpMessageInvoker(new ForwardingSpanHandler(replica));
        using var request = Request(attempt: 2);
        request.Headers.TryAddWithoutValidation("tracestate", "caller=1");

        using var response = await invoker.SendAsync(request, CancellationToken.None);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);

        var span = Assert.Single(stopped);
        Assert.Equal((ActivityKind.Client, "forward"), (span.Kind, span.OperationName));
        Assert.Equal(server.TraceId, span.TraceId);
        Assert.Equal(server.SpanId, span.ParentSpanId);
        Assert.Equal($"00-{server.TraceId}-{span.SpanId}-01", TraceParentOf(request));
        Assert.Equal(["caller=1"], request.Headers.GetValues("tracestate"));
        Assert.Equal("Server 2", span.GetTagItem("lb.replica"));
        Assert.Equal(2, span.GetTagItem("lb.attempt"));
        Assert.Equal("00000000deadbeef", span.GetTagItem("lb.key_hash"));
        Assert.Equal(502, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Same(server, Activity.Current);
    }

    [Fact]
    public async Task A_replica_that_does_not_answer_ends_the_span_as_an_error()
    {
        var stopped = new List<Activity>();
        using var listener = Listen(stopped);
        using var invoker = new HttpMessageInvoker(new ForwardingSpanHandler(new AnsweringHandler(null)));
        using var request = Request(attempt: 1);

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));

        var span = Assert.Single(stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(HttpRequestException).FullName, span.GetTagItem("error.type"));
    }

    private static HttpRequestMessage Request(int attempt)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:5001/home");
        request.Headers.TryAddWithoutValidation("traceparent", CallerTraceParent);
        request.Options.Set(ForwardingAttempt.Key, new ForwardingAttempt("Server 2", attempt, 0xdeadbeef));
        return request;
    }

    private static ActivityListener Listen(List<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ForwardingSpanHandler.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static string TraceParentOf(HttpRequestMessage request) => Assert.Single(request.Headers.GetValues("traceparent"));

    /// <summary>Stands for the replica: answers with a status, the same response each time (or fails to connect when none).</summary>
    private sealed class AnsweringHandler(HttpStatusCode? status) : HttpMessageHandler
    {
        private readonly Task<HttpResponseMessage>? _answer = status is { } code ? Task.FromResult(new HttpResponseMessage(code)) : null;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _answer ?? Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError));
    }
}
