using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// One request as <see cref="RecordingReplica"/> read it: the gateway that sent it (the name after <c>~</c> in its
/// <c>Via</c>), its <c>X-Case</c>, the request line, the fields as they came, the SHA-256 of its decoded body, and
/// whether it was whole (a head and a body that ended where its framing said) before the connection ended.
/// </summary>
internal sealed record ReceivedRequest(string Gateway, string Case, string RequestLine, RawHead Head, string BodySha256, bool Complete);

/// <summary>
/// A replica written on a raw socket, so that what it records is what came over the wire: HTTP/1.1 with keep-alive,
/// request bodies by <c>Content-Length</c> or chunked. It answers from the request alone: <c>/len/N</c> N bytes with
/// <c>Content-Length</c>, <c>/chunked/N</c> N bytes chunked, <c>/close/N</c> N bytes delimited by closing the
/// connection, <c>/status/S</c> status S, <c>/</c> (the health check) and <c>/s/…</c> 200 with <c>ok</c>, anything else 404; HEAD the same heads
/// without bodies. Every answer carries hop-by-hop fields (<c>Connection</c>, <c>Keep-Alive</c>), repeated ones
/// (<c>Set-Cookie</c>, <c>X-Multi</c>), an empty one, one padded with whitespace, and the request body's hash (<c>X-Body-Sha256</c>).
/// </summary>
internal sealed class RecordingReplica : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Task _accepting;

    private RecordingReplica(string name, TcpListener listener)
    {
        Name = name;
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public string Name { get; }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static RecordingReplica Start(string name)
    {
        var listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
        listener.Start(512);
        return new RecordingReplica(name, listener);
    }

    /// <summary>
    /// Waits until nothing new has been recorded for a moment (at most <paramref name="limit"/>): a request a gateway
    /// passes on, or abandons, may end here after its client has its answer.
    /// </summary>
    public async Task QuietAsync(TimeSpan limit)
    {
        var count = -1;
        var deadline = DateTime.UtcNow + limit;
        while (Received.Count != count && DateTime.UtcNow < deadline)
        {
            count = Received.Count;
            await Task.Delay(300);
        }
    }

    /// <summary>The deterministic body of <c>/len/N</c>, <c>/chunked/N</c> and <c>/close/N</c>.</summary>
    public static byte[] Pattern(int length)
    {
        var body = new byte[length];
        for (var i = 0; i < length; i++)
        {
            body[i] = (byte)('a' + ((i * 7 + length) % 26));
        }

        return body;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = ServeAsync(socket);
            _connections[connection] = true;
            _ = connection.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        socket.NoDelay = true;
        using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new RawHttp1Reader(stream);
        var token = _stopping.Token;
        try
        {
            while (await reader.ReadHeadAsync(token) is { } head)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var complete = false;
                try
                {
                    if (head.Values("Transfer-Encoding").Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
                    {
                        await reader.ReadChunkedAsync(hash, token);
                    }
                    else if (head.Values("Content-Length").FirstOrDefault() is { } length)
                    {
                        await reader.ReadExactlyAsync(long.Parse(length, System.Globalization.CultureInfo.InvariantCulture), hash, token);
                    }

                    complete = true;
                }
                finally
                {
                    Record(head, hash, complete);
                }

                var bodySha = Convert.ToHexStringLower(hash.GetCurrentHash());
                if (!await AnswerAsync(stream, head, bodySha, token))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or OverflowException or OperationCanceledException or SocketException)
        {
            // The gateway closed or reset the connection, or sent what this replica cannot read: recorded above.
        }
    }

    private void Record(RawHead head, IncrementalHash hash, bool complete)
    {
        var via = head.Values("Via").LastOrDefault() ?? "";
        var gateway = via.Contains('~', StringComparison.Ordinal) ? via[(via.LastIndexOf('~') + 1)..] : "";
        var testCase = head.Values("X-Case").FirstOrDefault() ?? "";
        Received.Enqueue(new ReceivedRequest(gateway, testCase, head.StartLine, head, Convert.ToHexStringLower(hash.GetCurrentHash()), complete));
    }

    /// <summary>Writes the answer; false when the connection is to be closed after it.</summary>
    private async Task<bool> AnswerAsync(Stream stream, RawHead head, string bodySha, CancellationToken token)
    {
        var parts = head.StartLine.Split(' ');
        var method = parts[0];
        var path = parts.Length > 1 ? parts[1].Split('?')[0] : "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var number = segments.Length > 1 && int.TryParse(segments[1], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        var kind = path == "/" ? "health" : segments.Length > 0 ? segments[0] : "";

        var (status, body, framing) = kind switch
        {
            "health" or "s" => (200, "ok"u8.ToArray(), "length"),
            "len" => (200, Pattern(number), "length"),
            "chunked" => (200, Pattern(number), "chunked"),
            "close" => (200, Pattern(number), "close"),
            "status" when number is 204 or 304 => (number, [], "none"),
            "status" when number is >= 200 and <= 599 => (number, "status\n"u8.ToArray(), "length"),
            _ => (404, "not found\n"u8.ToArray(), "length"),
        };

        var response = new StringBuilder()
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\n")
            .Append("Content-Type: application/octet-stream\r\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"X-Recorder: {Name}\r\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"X-Body-Sha256: {bodySha}\r\n")
            .Append("Set-Cookie: r=1; Path=/\r\nSet-Cookie: s=2; HttpOnly\r\n")
            .Append("X-Multi: a\r\nX-Multi: b\r\nX-Empty:\r\nX-Spaced: \t spaced  value \t\r\n");
        response.Append(framing switch
        {
            "length" => $"Content-Length: {body.Length}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n",
            "chunked" => "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n",
            "close" => "Connection: close\r\n",
            _ => "Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n",
        });
        response.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), token);

        if (method != "HEAD")
        {
            if (framing == "chunked")
            {
                using var framed = new MemoryStream();
                for (var offset = 0; offset < body.Length; offset += 1000)
                {
                    var size = Math.Min(1000, body.Length - offset);
                    framed.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
                    framed.Write(body, offset, size);
                    framed.Write("\r\n"u8);
                }

                framed.Write("0\r\n\r\n"u8);
                await stream.WriteAsync(framed.GetBuffer().AsMemory(0, (int)framed.Length), token);
            }
            else if (framing != "none")
            {
                await stream.WriteAsync(body, token);
            }
        }

        await stream.FlushAsync(token);
        return framing != "close";
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Status",
    };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }
}
