using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A backend the cluster does not run: a Kestrel server of the test's own on 127.0.0.1, answering every path with its
/// name (and <c>GET /</c>, the default external health path, with 200). Stopped and started again on the same port.
/// </summary>
public sealed class ExternalBackend : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requests;

    private ExternalBackend(string name, int port) => (Name, Port) = (name, port);

    public string Name { get; }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Requests that reached it, health checks included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public bool IsRunning => _app is not null;

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
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref _requests);
            return next(context);
        });
        app.MapGet("/", () => Results.Ok());
        app.Map("/{**path}", () => Results.Text($"{{\"message\": \"Hello from external: {Name}\", \"status\": \"successful\"}}", "application/json"));
        await app.StartAsync();
        _app = app;
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
