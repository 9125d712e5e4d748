using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// One keep-alive TCP connection to a replica: a socket, a write buffer the request head is composed in and sent from
/// in one call, and a read buffer the response head is parsed in (grown up to the head limit). Used by one request at a
/// time; a connection with any doubt about where the last response ended is disposed, never pooled.
/// </summary>
internal sealed class LeanConnection(Socket socket, LeanConnectionPool pool) : IDisposable
{
    private const int BufferSize = 16 * 1024;

    private byte[] _read = new byte[BufferSize];
    private byte[] _write = new byte[BufferSize];
    private int _writeLength;
    private int _disposed;

    public LeanConnectionPool Pool => pool;

    /// <summary>The last value of each known response header on this connection (<see cref="ResponseMessageBuilder"/>).</summary>
    public string?[] LastHeaderValues { get; } = new string?[ResponseMessageBuilder.KnownCount];

    /// <summary>Whether it served a request before this one (a stale pooled connection may fail without the replica's fault).</summary>
    public bool Reused { get; set; }

    /// <summary>When it went back to the pool (<see cref="Environment.TickCount64"/>).</summary>
    public long IdleSince { get; set; }

    /// <summary>Bytes received for the current response so far; 0 means the replica sent nothing yet.</summary>
    public long Received { get; private set; }

    public int ReadStart { get; set; }

    public int ReadEnd { get; private set; }

    public ReadOnlySpan<byte> Buffered => _read.AsSpan(ReadStart, ReadEnd - ReadStart);

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Starts a new request on it.</summary>
    public void BeginRequest()
    {
        _writeLength = 0;
        Received = 0;
    }

    /// <summary>A span of at least <paramref name="size"/> bytes at the end of the write buffer, to be committed with <see cref="Advance"/>.</summary>
    public Span<byte> GetWriteSpan(int size)
    {
        if (_writeLength + size > _write.Length)
        {
            Array.Resize(ref _write, Math.Max(_write.Length * 2, _writeLength + size));
        }

        return _write.AsSpan(_writeLength);
    }

    public void Advance(int count) => _writeLength += count;

    public int Pending => _writeLength;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetWriteSpan(bytes.Length));
        _writeLength += bytes.Length;
    }

    /// <summary>Discards what was composed and not sent.</summary>
    public void ResetWrite() => _writeLength = 0;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => _writeLength == 0 ? default : SendPendingAsync(cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < _writeLength)
        {
            offset += await socket.SendAsync(_write.AsMemory(offset, _writeLength - offset), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        _writeLength = 0;
    }

    /// <summary>Sends what is composed, then <paramref name="data"/> straight from the caller's memory.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        while (data.Length > 0)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>
    /// Reads more into the read buffer, keeping the unconsumed bytes, growing the buffer up to <paramref name="limit"/>.
    /// Returns false when the replica closed its side; throws when the buffer cannot grow.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> FillAsync(int limit, CancellationToken cancellationToken)
    {
        if (ReadStart == ReadEnd)
        {
            ReadStart = ReadEnd = 0;
        }
        else if (ReadEnd == _read.Length)
        {
            if (ReadStart > 0)
            {
                Buffer.BlockCopy(_read, ReadStart, _read, 0, ReadEnd - ReadStart);
                ReadEnd -= ReadStart;
                ReadStart = 0;
            }
            else if (_read.Length < limit)
            {
                Array.Resize(ref _read, Math.Min(_read.Length * 2, limit));
            }
            else
            {
                throw new InvalidDataException("The replica's response head is larger than the gateway takes");
            }
        }

        var read = await socket.ReceiveAsync(_read.AsMemory(ReadEnd), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        ReadEnd += read;
        Received += read;
        return read > 0;
    }

    /// <summary>Reads body bytes straight into <paramref name="destination"/> (the read buffer must be empty; the head came through <see cref="FillAsync"/>).</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);

    /// <summary>Whether the replica closed or sent something while the connection sat idle (either way it is unusable).</summary>
    public bool HasClosedOrStray()
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) || socket.Available > 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Bytes arrived past the end of a complete response: the replica and the gateway disagree on framing.</summary>
    public bool HasStray()
    {
        try
        {
            return socket.Available > 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            pool.OnClosed();
            socket.Dispose();
        }
    }
}
