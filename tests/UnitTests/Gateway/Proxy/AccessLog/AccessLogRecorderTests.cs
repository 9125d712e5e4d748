using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.AccessLog;
using Orleans.LoadBalancer.Gateway.Routing;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.AccessLog;

/// <summary>What the access log costs a request: nothing when off; when on, the line's entry and two body counters.</summary>
public sealed class AccessLogRecorderTests(ITestOutputHelper output) : IDisposable
{
    private readonly RouteSelectorRig _rig = new();
    private readonly GatewayMetrics _metrics = new(new RingSnapshotStore(), TimeProvider.System);

    public void Dispose()
    {
        _metrics.Dispose();
        _rig.Dispose();
    }

    [Fact]
    public void Off_allocates_nothing_and_on_counts_the_bodies_and_puts_them_back()
    {
        var recorder = Recorder();
        var context = Request();
        var originalResponse = context.Response.Body;
        var originalRequest = context.Request.Body;

        var (off, none) = AllocationProbe.Steady(() => recorder.Begin(context, AccessLogFormat.Off));
        Assert.Null(none);
        Assert.Equal(0, off);

        var entry = recorder.Begin(context, AccessLogFormat.Json)!;
        context.Response.StatusCode = 201;
        context.Response.Body.Write("hello"u8);
        Assert.Equal(3, context.Request.Body.Read(new byte[16]));
        recorder.End(context, entry, Stopwatch.GetTimestamp());
        Assert.Equal((201, 5L, 3L, "GET", "/home"), (entry.Status, entry.BytesSent, entry.BytesReceived, entry.Method, entry.Path));
        Assert.Same(originalResponse, context.Response.Body);
        Assert.Same(originalRequest, context.Request.Body);

        var (on, _) = AllocationProbe.Steady(() =>
        {
            var line = recorder.Begin(context, AccessLogFormat.Json)!;
            recorder.End(context, line, Stopwatch.GetTimestamp());
            return line;
        });
        output.WriteLine($"With the access log on, a request's line costs {on} bytes on the request path");
        Assert.InRange(on, 1, 1024);
    }

    private AccessLogRecorder Recorder()
    {
        var options = Options.Create(new GatewayOptions());
        var settings = new GatewaySettingsStore(new GatewaySettings(
            _rig.Router(0), 0, TimeSpan.Zero, [], new RetryBudgetOptions(), new OutlierOptions(), TimeSpan.FromSeconds(1), new ReplicaRequestConfigs(Timeout.InfiniteTimeSpan), AccessLogFormat.Json, AccessLogKey.Hash,
            new Dictionary<string, string>()));
        return new AccessLogRecorder(new AccessLogWriter(options, _metrics, NullLogger<AccessLogWriter>.Instance), settings, options);
    }

    private static DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/home";
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Body = new MemoryStream([1, 2, 3]);
        return context;
    }
}
