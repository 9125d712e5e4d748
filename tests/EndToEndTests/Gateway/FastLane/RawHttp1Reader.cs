using System.Security.Cryptography;
using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>The start line and fields of an HTTP/1.x message, as they came (field values without surrounding whitespace).</summary>
internal sealed record RawHead(string StartLine, IReadOnlyList<(string Name, string Value)> Fields)
{
    public IEnumerable<string> Values(string name) =>
        Fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    public bool Has(string name) => Values(name).Any();
}

/// <summary>
/// Reads HTTP/1.x messages off a stream, byte for byte: a line ends at LF (a CR before it is dropped), a body is read by
/// <c>Content-Length</c>, by the chunked coding or to the end of the stream, and only its SHA-256 is kept.
/// </summary>
internal sealed class RawHttp1Reader(Stream stream)
{
    private const int MaxLine = 256 * 1024;
    private readonly byte[] _buffer = new byte[MaxLine];
    private int _start;
    private int _end;

    /// <summary>The next head; null when the stream ends before its first byte.</summary>
    public async Task<RawHead?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var startLine = await ReadLineAsync(cancellationToken);
        if (startLine is null)
        {
            return null;
        }

        var fields = new List<(string, string)>();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("The stream ended inside a head");
            if (line.Length == 0)
            {
                return new RawHead(startLine, fields);
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields.Add(colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
    }

    /// <summary>Exactly <paramref name="length"/> bytes into <paramref name="hash"/>.</summary>
    public async Task ReadExactlyAsync(long length, IncrementalHash hash, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"The stream ended {length} bytes before the body's end");
            }

            var take = (int)Math.Min(length, _end - _start);
            hash.AppendData(_buffer, _start, take);
            _start += take;
            length -= take;
        }
    }

    /// <summary>A chunked body, decoded, into <paramref name="hash"/>; its trailer fields are returned.</summary>
    public async Task<IReadOnlyList<string>> ReadChunkedAsync(IncrementalHash hash, CancellationToken cancellationToken)
    {
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("The stream ended before a chunk");
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            var size = long.Parse((semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim(), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                var trailers = new List<string>();
                while (await ReadLineAsync(cancellationToken) is { Length: > 0 } trailer)
                {
                    trailers.Add(trailer);
                }

                return trailers;
            }

            await ReadExactlyAsync(size, hash, cancellationToken);
            if (await ReadLineAsync(cancellationToken) is not "")
            {
                throw new InvalidDataException("A chunk did not end with CRLF");
            }
        }
    }

    /// <summary>Everything up to the end of the stream into <paramref name="hash"/>.</summary>
    public async Task ReadToEndAsync(IncrementalHash hash, CancellationToken cancellationToken)
    {
        do
        {
            hash.AppendData(_buffer, _start, _end - _start);
            _start = _end;
        }
        while (await FillAsync(cancellationToken));
    }

    /// <summary>Whether the stream ends here, with nothing more buffered or to come.</summary>
    public async Task<bool> AtEndAsync(CancellationToken cancellationToken) => _start == _end && !await FillAsync(cancellationToken);

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (lf >= 0)
            {
                var length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == '\r')
                {
                    length--;
                }

                var line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start = lf + 1;
                return line;
            }

            scanned = _end - _start;
            if (!await FillAsync(cancellationToken))
            {
                if (scanned == 0)
                {
                    return null;
                }

                throw new EndOfStreamException("The stream ended inside a line");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException($"A line longer than {MaxLine} bytes");
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }
}
