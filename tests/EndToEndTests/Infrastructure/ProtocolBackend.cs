using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A backend the cluster does not run, speaking one protocol only as a real application would be set up: <c>http1</c>
/// (HTTP/1.1 on http), <c>h2c</c> (HTTP/2 only, on http) or <c>h2</c> (TLS with ALPN, HTTP/1.1 and HTTP/2). It serves
/// <c>GET /</c> (health), <c>GET /whoami</c> (its name and the protocol the request came in) and
/// <see cref="EchoGrpcService"/>.
/// </summary>
public sealed class ProtocolBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProtocolBackend(WebApplication app, string name, string protocol, string address) => (_app, Name, Protocol, Address) = (app, name, protocol, address);

    public string Name { get; }

    public string Protocol { get; }

    public string Address { get; }

    /// <param name="certificate">The server certificate, for <c>h2</c> only.</param>
    public static async Task<ProtocolBackend> StartAsync(string name, string protocol, X509Certificate2? certificate = null)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = protocol switch
            {
                "h2c" => HttpProtocols.Http2,
                "h2" => HttpProtocols.Http1AndHttp2,
                _ => HttpProtocols.Http1,
            };
            if (protocol == "h2")
            {
                listen.UseHttps(certificate!);
            }
        }));
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new EchoGrpcService(name));
        var app = builder.Build();
        app.MapGet("/", () => Results.Ok());
        app.MapGet("/whoami", (HttpContext context) => Results.Text($"{name} {context.Request.Protocol}"));
        app.MapGrpcService<EchoGrpcService>();
        await app.StartAsync();
        return new ProtocolBackend(app, name, protocol, $"{(protocol == "h2" ? "https" : "http")}://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
