using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;

/// <summary>
/// A replica on a raw socket, for what Kestrel never sends: heads split into tiny writes, close-delimited and HTTP/1.0
/// responses, interim responses, and malformed or ambiguous framing. <c>GET /raw/{scenario}?n={nonce}</c>; every
/// scenario keeps the connection open unless it says otherwise, so a client that wrongly reuses it is caught.
/// </summary>
public sealed class RawReplica : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public RawReplica()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Scenarios whose head is malformed or ambiguous: a lean client must answer 502.</summary>
    public static readonly string[] MalformedHeads =
    [
        "bad-chunk-size", "chunk-size-overflow", "duplicate-length", "conflicting-length", "length-and-chunked", "gzip-chunked",
        "oversized-head", "garbage-status", "long-status", "space-before-colon", "folded-header", "switching-protocols", "bad-length",
    ];

    /// <summary>Valid responses Kestrel would not produce: both clients must agree on them.</summary>
    public static readonly string[] Valid = ["split", "until-close", "connection-close", "http10", "interim", "reason", "ok", "head-split-length"];

    public static string OkBody(string nonce) => $"nonce={nonce}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[16 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                int end;
                while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    length += read;
                }

                var head = Encoding.ASCII.GetString(buffer, 0, end);
                buffer.AsSpan(end + 4, length - end - 4).CopyTo(buffer);
                length -= end + 4;
                var target = head[(head.IndexOf(' ', StringComparison.Ordinal) + 1)..head.IndexOf(" HTTP/", StringComparison.Ordinal)];
                var path = target.Split('?')[0];
                var nonce = target.Contains("n=", StringComparison.Ordinal) ? target[(target.IndexOf("n=", StringComparison.Ordinal) + 2)..] : "";
                if (!await RespondAsync(socket, path["/raw/".Length..], nonce))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Writes the scenario's response; false when it closes the connection.</summary>
    private async Task<bool> RespondAsync(Socket socket, string scenario, string nonce)
    {
        var body = OkBody(nonce);
        switch (scenario)
        {
            case "ok":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nX-Raw: ok\r\n\r\n{body}");
                return true;
            case "split":
                {
                    var chunked = $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Raw: split\r\n\r\n{body.Length:x};ext=1\r\n{body}\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n";
                    await SendSplitAsync(socket, chunked, nonce.GetHashCode(StringComparison.Ordinal));
                    return true;
                }

            case "head-split-length":
                await SendSplitAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nX-Raw:   padded   \r\n\r\n{body}", nonce.Length);
                return true;
            case "until-close":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{body}-until-close");
                return false;
            case "connection-close":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                return false;
            case "http10":
                await SendAsync(socket, $"HTTP/1.0 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                return false;
            case "interim":
                await SendAsync(socket, $"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                return true;
            case "reason":
                await SendAsync(socket, $"HTTP/1.1 299 Fine By Me\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                return true;
            case "smuggle":
                // Two bytes of body, then a whole second response nobody asked for, in one write.
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!");
                return true;
            case "ok-then-close":
                // A keep-alive answer, then the replica closes the idle connection, as a keep-alive timeout does.
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                await Task.Delay(50);
                return false;
            case "smuggle-late":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                await Task.Delay(50);
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!");
                return true;
            case "bad-chunk-size":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
                return true;
            case "chunk-size-overflow":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n");
                return true;
            case "duplicate-length":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
                return true;
            case "conflicting-length":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\nhelloworld");
                return true;
            case "length-and-chunked":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                return true;
            case "gzip-chunked":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                return true;
            case "oversized-head":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nX-Huge: {new string('h', 100_000)}\r\nContent-Length: 2\r\n\r\nok");
                return true;
            case "garbage-status":
                await SendAsync(socket, "I am not HTTP at all\r\nContent-Length: 2\r\n\r\nok");
                return true;
            case "long-status":
                await SendAsync(socket, "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok");
                return true;
            case "space-before-colon":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok");
                return true;
            case "folded-header":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok");
                return true;
            case "switching-protocols":
                await SendAsync(socket, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
                return true;
            case "control-char-header":
                // A BEL in a header value: HTTP clients take it, but no HTTP server may send it on (RFC 9110 §5.5).
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nX-Raw: bell\u0007here\r\n\r\n{body}");
                return true;
            case "bad-length":
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok");
                return true;
            default:
                await SendAsync(socket, "HTTP/1.1 500 Unknown Scenario\r\nContent-Length: 0\r\n\r\n");
                return true;
        }
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>The response in pieces of 1–7 bytes, with a pause now and then: heads and chunk lines cut anywhere.</summary>
    private static async Task SendSplitAsync(Socket socket, string text, int seed)
    {
        var random = new Random(seed);
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var offset = 0; offset < bytes.Length;)
        {
            var piece = Math.Min(random.Next(1, 8), bytes.Length - offset);
            await socket.SendAsync(bytes.AsMemory(offset, piece));
            offset += piece;
            if (random.Next(6) == 0)
            {
                await Task.Delay(1);
            }
        }
    }
}
