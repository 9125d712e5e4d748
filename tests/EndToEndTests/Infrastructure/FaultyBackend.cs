using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// An external backend that is healthy (<c>GET /</c> and <c>GET /healthz</c> answer 200, so it stays up in the ring) and fails every request:
/// <c>/reset</c> drops the connection (the gateway retries elsewhere and marks it suspect), <c>/bad-gateway</c> answers 502
/// (a failure for outlier detection, without a suspect mark), any other path answers 500.
/// </summary>
public sealed class FaultyBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FaultyBackend(WebApplication app, int port) => (_app, Address) = (app, $"http://127.0.0.1:{port}");

    public string Address { get; }

    public static async Task<FaultyBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Ok());
        app.MapGet("/healthz", () => Results.Ok());
        app.Map("/reset", (HttpContext context) => context.Abort());
        app.Map("/bad-gateway", () => Results.StatusCode(StatusCodes.Status502BadGateway));
        app.Map("/{**path}", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
        await app.StartAsync();
        return new FaultyBackend(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
