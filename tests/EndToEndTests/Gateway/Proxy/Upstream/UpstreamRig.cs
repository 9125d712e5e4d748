using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;

/// <summary>
/// A real Kestrel replica of the test's own (behaviour chosen per request by its query), a <see cref="RawReplica"/>,
/// and a Kestrel gateway forwarding with YARP's <see cref="IHttpForwarder"/> through either client: the lean one on one
/// port, SocketsHttpHandler on another. The replica records what each request looked like on arrival, by case and client.
/// </summary>
public sealed class UpstreamRig : IAsyncLifetime
{
    private WebApplication _replica = null!;
    private WebApplication _gateway = null!;

    public RawReplica Raw { get; } = new();

    public Uri Replica { get; private set; } = null!;

    public Uri LeanGateway { get; private set; } = null!;

    public Uri SocketsGateway { get; private set; } = null!;

    public LeanHttpHandler Lean { get; } = new(
        new LeanClientSettings(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), MaxResponseHeadLength: 64 * 1024),
        new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });

    private readonly HttpMessageInvoker _sockets = new(new SocketsHttpHandler
    {
        UseProxy = false, AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(2), ActivityHeadersPropagator = null,
    });

    /// <summary>"case/client" → the request as the replica saw it (method, target, headers, framing, body hash).</summary>
    public ConcurrentDictionary<string, string> Arrived { get; } = new();

    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false, AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        _replica = Build(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        _replica.Run(ServeAsync);
        await _replica.StartAsync();
        Replica = new Uri(Addresses(_replica)[0]);

        var invokerByPort = new Dictionary<int, HttpMessageInvoker>();
        var leanInvoker = new HttpMessageInvoker(Lean, disposeHandler: false);
        _gateway = Build(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var forwarder = _gateway.Services.GetRequiredService<IHttpForwarder>();
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromSeconds(30),
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        _gateway.Run(async context =>
        {
            var destination = context.Request.Path.StartsWithSegments("/raw") ? Raw.Address : Replica;
            await forwarder.SendAsync(context, destination.ToString().TrimEnd('/'), invokerByPort[context.Connection.LocalPort], config);
        });
        await _gateway.StartAsync();
        var gateways = Addresses(_gateway);
        LeanGateway = new Uri(gateways[0]);
        SocketsGateway = new Uri(gateways[1]);
        invokerByPort[LeanGateway.Port] = leanInvoker;
        invokerByPort[SocketsGateway.Port] = _sockets;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _replica.DisposeAsync();
        await Raw.DisposeAsync();
        Lean.Dispose();
        _sockets.Dispose();
        Client.Dispose();
    }

    private static WebApplication Build(Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions> kestrel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            kestrel(options);
        });
        builder.Services.AddHttpForwarder();
        return builder.Build();
    }

    private static string[] Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];

    /// <summary>
    /// The replica: records the request, then answers as the query says — <c>status</c>, <c>size</c> (body bytes from
    /// <c>seed</c>), <c>chunked</c>, <c>slow</c> (small flushed writes with pauses), <c>cut</c> (abort after half the
    /// body), <c>headers</c> (how many generated header lines).
    /// </summary>
    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var query = request.Query;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var buffer = new byte[64 * 1024];
            long length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }

            var headers = string.Join("\n", request.Headers
                // X-Forwarded-Host names the gateway's port, which differs by client here.
                .Where(h => !string.Equals(h.Key, "X-Via", StringComparison.OrdinalIgnoreCase) && !string.Equals(h.Key, "X-Forwarded-Host", StringComparison.OrdinalIgnoreCase))
                .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(" | ", h.Value.ToArray())}"));
            Arrived[$"{query["case"]}/{request.Headers["X-Via"]}"] =
                $"{request.Method} {request.Path}{request.QueryString}\n{headers}\nbody {length} {Convert.ToHexString(hash.GetHashAndReset())}";
        }

        var status = int.Parse(query["status"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var size = long.Parse(query["size"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var seed = int.Parse(query["seed"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var response = context.Response;
        response.StatusCode = status;
        var random = new Random(seed);
        var count = int.Parse(query["headers"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            response.Headers.Append($"X-Gen-{random.Next(4)}", Token(random));
        }

        if (random.Next(3) == 0)
        {
            response.Headers.Append("Set-Cookie", $"a={random.Next()}; Path=/");
            response.Headers.Append("Set-Cookie", $"b={random.Next()}; HttpOnly");
        }

        if (status == 302)
        {
            response.Headers.Location = "/elsewhere?x=1";
        }

        response.ContentType = random.Next(2) == 0 ? "application/octet-stream" : "text/plain; charset=utf-8";
        if (status is 204 or 304)
        {
            response.ContentType = null;
            return;
        }

        if (query["chunked"] != "1")
        {
            response.ContentLength = size;
        }

        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }

        var cut = query["cut"] == "1";
        await GeneratedBody.WriteAsync(response.Body, size, seed, query["slow"] == "1", cut ? size / 2 : long.MaxValue, () => response.Body.FlushAsync());
        if (cut)
        {
            await response.Body.FlushAsync();
            context.Abort();
        }
    }

    private static string Token(Random random)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!#$%&'*+^`| ,;=/:?@()[]{}\"";
        var text = new StringBuilder();
        var length = random.Next(0, 40);
        for (var i = 0; i < length; i++)
        {
            text.Append(chars[random.Next(chars.Length)]);
        }

        return text.ToString().Trim();
    }
}
