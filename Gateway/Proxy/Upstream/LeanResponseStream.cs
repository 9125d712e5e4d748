using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// A response body read off its connection as its framing says: exactly <c>Content-Length</c> bytes, chunks until the
/// last one, or everything until the replica closes. The connection goes back to the pool only once the body ended
/// exactly where the framing said and nothing stray follows; a body cut short throws, and disposing the stream before
/// the end closes the connection.
/// </summary>
internal sealed class LeanResponseStream : Stream
{
    private readonly LeanConnection _connection;
    private readonly BodyFraming _framing;
    private readonly bool _keepAlive;
    private readonly ChunkedDecoder? _chunks;
    private long _remaining;
    private int _finished;

    public LeanResponseStream(LeanConnection connection, in ResponseHead head)
    {
        _connection = connection;
        _framing = head.Framing;
        _keepAlive = head.KeepAlive;
        _remaining = head.ContentLength;
        _chunks = head.Framing == BodyFraming.Chunked ? new ChunkedDecoder() : null;
        if (_framing == BodyFraming.None)
        {
            Finish(complete: true);
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _finished) != 0 || buffer.Length == 0)
        {
            return new ValueTask<int>(0);
        }

        // Most bodies are already in the read buffer with the head: no state machine for them.
        if (_framing == BodyFraming.ContentLength && _connection.Buffered.Length > 0)
        {
            return new ValueTask<int>(CopyBuffered(buffer.Span));
        }

        return ReadSlowAsync(buffer, cancellationToken);
    }

    private int CopyBuffered(Span<byte> destination)
    {
        var read = (int)Math.Min(Math.Min(destination.Length, _remaining), _connection.Buffered.Length);
        _connection.Buffered[..read].CopyTo(destination);
        _connection.ReadStart += read;
        _remaining -= read;
        if (_remaining == 0)
        {
            Finish(complete: true);
        }

        return read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            var read = _framing switch
            {
                BodyFraming.ContentLength => await ReadLengthAsync(buffer, cancellationToken).ConfigureAwait(false),
                BodyFraming.Chunked => await ReadChunkedAsync(buffer, cancellationToken).ConfigureAwait(false),
                _ => await ReadUntilCloseAsync(buffer, cancellationToken).ConfigureAwait(false),
            };
            return read;
        }
        catch
        {
            Finish(complete: false);
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private async ValueTask<int> ReadLengthAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_connection.Buffered.Length > 0)
        {
            return CopyBuffered(buffer.Span);
        }

        var read = await _connection.ReceiveAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Ended();
        }

        _remaining -= read;
        if (_remaining == 0)
        {
            Finish(complete: true);
        }

        return read;
    }

    private async ValueTask<int> ReadChunkedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var chunks = _chunks!;
        while (true)
        {
            var buffered = _connection.Buffered;
            if (buffered.Length == 0 && chunks.DataRemaining > 0)
            {
                // Straight into the caller's buffer, no copy.
                var read = await _connection.ReceiveAsync(buffer[..(int)Math.Min(buffer.Length, chunks.DataRemaining)], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw Ended();
                }

                chunks.ConsumeData(read);
                return read;
            }

            switch (chunks.Decode(buffered, buffer.Length, out var consumed, out var offset, out var length))
            {
                case ChunkedStatus.Data:
                    buffered.Slice(offset, length).CopyTo(buffer.Span);
                    _connection.ReadStart += consumed;
                    return length;
                case ChunkedStatus.Done:
                    _connection.ReadStart += consumed;
                    Finish(complete: true);
                    return 0;
                case ChunkedStatus.Invalid:
                    throw new HttpIOException(HttpRequestError.InvalidResponse, "The replica's chunked body is malformed");
                default:
                    _connection.ReadStart += consumed;
                    if (!await _connection.FillAsync(64 * 1024, cancellationToken).ConfigureAwait(false))
                    {
                        throw Ended();
                    }

                    break;
            }
        }
    }

    private async ValueTask<int> ReadUntilCloseAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var buffered = _connection.Buffered;
        if (buffered.Length > 0)
        {
            var copied = Math.Min(buffer.Length, buffered.Length);
            buffered[..copied].CopyTo(buffer.Span);
            _connection.ReadStart += copied;
            return copied;
        }

        var read = await _connection.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            Finish(complete: true);
        }

        return read;
    }

    private static HttpIOException Ended() =>
        new(HttpRequestError.ResponseEnded, "The replica closed the connection before the end of the response body");

    /// <summary>Once: back to the pool when the body ended cleanly on a keep-alive connection with nothing after it; closed otherwise.</summary>
    private void Finish(bool complete)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        if (complete && _keepAlive && _framing != BodyFraming.UntilClose && _connection.Buffered.Length == 0 && !_connection.IsDisposed)
        {
            _connection.Pool.Return(_connection);
        }
        else
        {
            _connection.Dispose();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish(complete: false);
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
