using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A backend the cluster does not run: a Kestrel server of the test's own on 127.0.0.1, answering every path with its
/// name (and <c>GET /</c>, the default external health path, with 200). Stopped and started again on the same port.
/// Beside that, what real applications do: <c>/ws</c> echoes WebSocket messages prefixed with its name;
/// <c>/stream?gapMs=N</c> sends an event, waits N ms, then sends another; <c>POST /upload</c> reads the whole body before
/// answering with its length; <c>/odd-headers</c> answers with UTF-8 bytes
/// and a TAB in its header values. With <see cref="FailWith"/> set it answers every request but its health check
/// (<c>GET /</c>) with that status, as an application whose database is gone. <c>GET /ready</c> answers
/// <see cref="ReadyStatus"/> (204 unless set), for a replica registered with its own health check.
/// </summary>
public sealed class ExternalBackend : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requests;
    private int _failWith;
    private int _readyStatus = StatusCodes.Status204NoContent;

    private ExternalBackend(string name, int port) => (Name, Port) = (name, port);

    public string Name { get; }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Requests that reached it, health checks included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public bool IsRunning => _app is not null;

    /// <summary>The status every request but the health check gets (0, the default: none, each is served).</summary>
    public int FailWith
    {
        get => Volatile.Read(ref _failWith);
        set => Volatile.Write(ref _failWith, value);
    }

    /// <summary>What <c>GET /ready</c> answers.</summary>
    public int ReadyStatus
    {
        get => Volatile.Read(ref _readyStatus);
        set => Volatile.Write(ref _readyStatus, value);
    }

    public static async Task<ExternalBackend> StartAsync(string name)
    {
        var backend = new ExternalBackend(name, FreePort.Next());
        await backend.StartAsync();
        return backend;
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Address);
        // Header values leave as UTF-8 bytes, as many real servers send them.
        builder.WebHost.ConfigureKestrel(k => k.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref _requests);
            if (FailWith != 0 && context.Request.Path != "/" && context.Request.Path != "/ready")
            {
                context.Response.StatusCode = FailWith;
                return context.Response.WriteAsync($"{Name} cannot serve now");
            }

            return next(context);
        });
        app.MapGet("/", () => Results.Ok());
        app.MapGet("/ready", () => Results.StatusCode(ReadyStatus));
        app.Map("/ws", EchoAsync);
        app.MapGet("/stream", StreamAsync);
        app.MapPost("/upload", async (HttpContext context) =>
        {
            var received = 0L;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }

            return Results.Text($"{Name} received {received} bytes");
        });
        app.MapGet("/odd-headers", (HttpContext context) =>
        {
            context.Response.Headers.ContentDisposition = OddContentDisposition;
            context.Response.Headers.Location = OddLocation;
            context.Response.Headers["X-Tabbed"] = TabbedValue;
            return Results.Text("odd");
        });
        app.Map("/{**path}", () => Results.Text($"{{\"message\": \"Hello from external: {Name}\", \"status\": \"successful\"}}", "application/json"));
        await app.StartAsync();
        _app = app;
    }

    public const string OddContentDisposition = "attachment; filename=\"résumé café.txt\"";
    public const string OddLocation = "/files/Zoë/naïve";
    public const string TabbedValue = "left\tright";

    private async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                var reply = System.Text.Encoding.UTF8.GetBytes($"{Name}: {System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
            // The other end went away.
        }
    }

    private async Task StreamAsync(HttpContext context, int gapMs)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync($"data: first from {Name}\n\n");
        await context.Response.Body.FlushAsync();
        await Task.Delay(gapMs, context.RequestAborted);
        await context.Response.WriteAsync("data: second\n\n");
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
