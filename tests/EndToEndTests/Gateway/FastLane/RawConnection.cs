using System.Net.Sockets;
using System.Security.Cryptography;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>A response as a client read it off the wire: its head and the SHA-256 of its decoded body.</summary>
internal sealed record RawResponse(RawHead Head, string BodySha256)
{
    public int Status => int.Parse(Head.StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A client connection on a raw socket: the test decides every byte written and when.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly RawHttp1Reader _reader;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new RawHttp1Reader(_stream);
    }

    public static async Task<RawConnection> OpenAsync(Uri address, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(address.Host, address.Port, cancellationToken);
        return new RawConnection(socket);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>
    /// Writes <paramref name="bytes"/> in pieces cut where <paramref name="random"/> says, with short pauses between
    /// some: as one write, at a few random offsets, or (for small messages) byte by byte.
    /// </summary>
    public async Task WriteSplitAsync(byte[] bytes, Random random, CancellationToken cancellationToken)
    {
        var mode = random.Next(10);
        if (mode < 5)
        {
            for (var offset = 0; offset < bytes.Length; offset += 256 * 1024)
            {
                await _stream.WriteAsync(bytes.AsMemory(offset, Math.Min(256 * 1024, bytes.Length - offset)), cancellationToken);
            }

            return;
        }

        if (mode == 9 && bytes.Length <= 400)
        {
            for (var offset = 0; offset < bytes.Length; offset++)
            {
                await _stream.WriteAsync(bytes.AsMemory(offset, 1), cancellationToken);
            }

            return;
        }

        // Cuts mostly in the head, where a reader decides; a pause after some so that each piece arrives on its own.
        var headEnd = Math.Min(bytes.Length, 600);
        var cuts = Enumerable.Range(0, 1 + random.Next(6))
            .Select(_ => random.Next(4) == 0 ? random.Next(bytes.Length + 1) : random.Next(headEnd + 1))
            .Append(0).Append(bytes.Length).Distinct().Order().ToArray();
        for (var i = 0; i + 1 < cuts.Length; i++)
        {
            for (var offset = cuts[i]; offset < cuts[i + 1]; offset += 256 * 1024)
            {
                await _stream.WriteAsync(bytes.AsMemory(offset, Math.Min(256 * 1024, cuts[i + 1] - offset)), cancellationToken);
            }

            if (random.Next(3) == 0)
            {
                await Task.Delay(1 + random.Next(2), cancellationToken);
            }
        }
    }

    /// <summary>The next response (skipping 1xx ones); its body read as <paramref name="toHead"/> and its status say.</summary>
    public async Task<RawResponse?> ReadResponseAsync(bool toHead, CancellationToken cancellationToken)
    {
        while (true)
        {
            var head = await _reader.ReadHeadAsync(cancellationToken);
            if (head is null)
            {
                return null;
            }

            var status = int.Parse(head.StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (status is >= 100 and < 200 && status != 101)
            {
                continue;
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (toHead || status is 101 or 204 or 304)
            {
            }
            else if (head.Values("Transfer-Encoding").Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
            {
                await _reader.ReadChunkedAsync(hash, cancellationToken);
            }
            else if (head.Values("Content-Length").FirstOrDefault() is { } length)
            {
                await _reader.ReadExactlyAsync(long.Parse(length, System.Globalization.CultureInfo.InvariantCulture), hash, cancellationToken);
            }
            else
            {
                await _reader.ReadToEndAsync(hash, cancellationToken);
            }

            return new RawResponse(head, Convert.ToHexStringLower(hash.GetCurrentHash()));
        }
    }

    /// <summary>Whether the other end closes the connection (rather than sending more) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosesWithinAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            return await _reader.AtEndAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Closes the connection at once, with a reset: a client that goes away mid-request.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
