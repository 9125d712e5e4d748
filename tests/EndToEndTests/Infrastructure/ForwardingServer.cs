using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A small reverse proxy of the test's own on 127.0.0.1, as an application behind the gateway might be: <c>GET /</c>
/// and <c>GET /healthz</c> (health paths) answer 200 itself; every other request is passed on to <see cref="Target"/>
/// with its method, path, headers (<c>Via</c> included, as proxies pass it on) and body, and the answer is passed back.
/// </summary>
public sealed class ForwardingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private int _forwarded;

    private ForwardingServer(WebApplication app, HttpClient client, int port, Uri target) =>
        (_app, _client, Address, Target) = (app, client, $"http://127.0.0.1:{port}", target);

    public string Address { get; }

    public Uri Target { get; }

    /// <summary>Requests passed on to <see cref="Target"/>.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    public static async Task<ForwardingServer> StartAsync(Uri target)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        ForwardingServer? server = null;
        app.MapGet("/", () => Results.Ok());
        app.MapGet("/healthz", () => Results.Ok());
        app.Map("/{**path}", (HttpContext context) => server!.ForwardAsync(context));
        await app.StartAsync();
        server = new ForwardingServer(app, client, port, target);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        Interlocked.Increment(ref _forwarded);
        var request = context.Request;
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(Target, request.Path + request.QueryString));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            outgoing.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _client.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
