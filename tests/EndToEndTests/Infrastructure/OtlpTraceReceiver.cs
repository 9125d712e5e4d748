using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// An OTLP/HTTP trace receiver of the test's own on 127.0.0.1: takes <c>POST /v1/traces</c> with a protobuf
/// <c>ExportTraceServiceRequest</c> (decoded with the official definitions in <c>Protos/</c>), keeps every span with
/// the <c>service.name</c> of its resource, and answers as a collector does.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    public const string TracesPath = "/v1/traces";

    private static readonly byte[] EmptyResponse = new ExportTraceServiceResponse().ToByteArray();

    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private WebApplication? _app;
    private int _exports;

    private OtlpTraceReceiver(int port) => Port = port;

    public int Port { get; }

    /// <summary>The address without a path, as an operator would give it.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Export requests received, empty ones included.</summary>
    public int Exports => Volatile.Read(ref _exports);

    public IReadOnlyList<ReceivedSpan> Spans => _spans.ToArray();

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var receiver = new OtlpTraceReceiver(FreePort.Next());
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(receiver.Address);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost(TracesPath, receiver.ReceiveAsync);
        await app.StartAsync();
        receiver._app = app;
        return receiver;
    }

    /// <summary>The spans of one trace, by its id in lowercase hex.</summary>
    public IReadOnlyList<ReceivedSpan> Trace(string traceId) => Spans.Where(s => s.TraceId == traceId).ToList();

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
        Interlocked.Increment(ref _exports);
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = resourceSpans.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue;
            foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
            {
                _spans.Enqueue(new ReceivedSpan(service, span));
            }
        }

        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(EmptyResponse, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

/// <summary>A span as the receiver decoded it, with its ids in lowercase hex (the form <c>traceparent</c> carries).</summary>
public sealed record ReceivedSpan(string? Service, Span Span)
{
    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public string? Attribute(string key) => Span.Attributes.FirstOrDefault(a => a.Key == key)?.Value switch
    {
        null => null,
        { ValueCase: OpenTelemetry.Proto.Common.V1.AnyValue.ValueOneofCase.IntValue } v => v.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        var v => v.StringValue,
    };
}
