using System.Globalization;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// The request body on its way to the replica, framed as the head announced (<c>Content-Length</c> or <c>chunked</c>).
/// The forwarder's copy swallows write errors (it reports them itself), so the first failure is kept here and the
/// handler never reads a response from a connection whose request went out incomplete.
/// </summary>
internal sealed class LeanRequestBodyStream(LeanConnection connection, bool chunked, long declaredLength) : Stream
{
    /// <summary>Writes up to this size are copied next to their framing and sent in one call.</summary>
    private const int CopyLimit = 8 * 1024;

    private long _written;

    public Exception? Failure { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Ends the body (the last chunk) and sends what is left; throws when the body was not what the head declared.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (Failure is not null)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, "Sending the request body to the replica failed", Failure);
        }

        if (chunked)
        {
            connection.Write("0\r\n\r\n"u8);
        }
        else if (_written != declaredLength)
        {
            throw new HttpRequestException(HttpRequestError.Unknown,
                $"The request body was {_written} bytes where {declaredLength} were declared");
        }

        await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Failure is not null)
        {
            throw new IOException("Sending the request body to the replica failed", Failure);
        }

        if (buffer.Length == 0)
        {
            return;
        }

        try
        {
            _written += buffer.Length;
            if (!chunked && _written > declaredLength)
            {
                throw new IOException($"The request body is longer than the {declaredLength} bytes declared");
            }

            if (chunked)
            {
                var span = connection.GetWriteSpan(18);
                buffer.Length.TryFormat(span, out var digits, "X", CultureInfo.InvariantCulture);
                connection.Advance(digits);
                connection.Write("\r\n"u8);
            }

            if (buffer.Length <= CopyLimit)
            {
                connection.Write(buffer.Span);
                if (chunked)
                {
                    connection.Write("\r\n"u8);
                }

                await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await connection.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (chunked)
                {
                    connection.Write("\r\n"u8); // goes out with the next chunk or the last one
                }
            }
        }
        catch (Exception e)
        {
            Failure ??= e;
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Failure ??= e;
            throw;
        }
    }

    public override void Flush() => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
