namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>What <see cref="ChunkedDecoder.Decode"/> found at the start of its input.</summary>
internal enum ChunkedStatus
{
    /// <summary>Framing is incomplete: call again with more input (the unconsumed bytes first).</summary>
    NeedMoreData,

    /// <summary>Body bytes at <c>dataOffset</c>, <c>dataLength</c> long.</summary>
    Data,

    /// <summary>The last chunk and the trailer section are consumed: the body is complete.</summary>
    Done,

    /// <summary>The framing is broken (a bad size, a missing CRLF, an oversized line or trailer).</summary>
    Invalid,
}

/// <summary>
/// The <c>chunked</c> transfer coding (RFC 9112 §7.1) as a pure state machine over the bytes it is given: it consumes
/// framing and hands out data, and never guesses. Chunk extensions are skipped; trailer fields are consumed and dropped
/// (a proxy to an HTTP/1.1 client has nowhere to put them).
/// </summary>
internal sealed class ChunkedDecoder
{
    /// <summary>The longest chunk-size line (extensions included) and the largest trailer section taken.</summary>
    public const int MaxLineLength = 4096;

    public const int MaxTrailerLength = 16 * 1024;

    private State _state = State.Size;
    private long _remaining;
    private int _trailerLength;

    private enum State
    {
        Size,
        Data,
        DataEnd,
        Trailer,
        Done,
        Invalid,
    }

    /// <summary>Body bytes left in the current chunk (0 unless between a chunk's size line and its end).</summary>
    public long DataRemaining => _state == State.Data ? _remaining : 0;

    public bool IsDone => _state == State.Done;

    /// <summary>
    /// Consumes framing from the start of <paramref name="input"/> and at most <paramref name="maxData"/> data bytes.
    /// <paramref name="consumed"/> is how many bytes of the input were used (data included); a partial line is never
    /// consumed.
    /// </summary>
    public ChunkedStatus Decode(ReadOnlySpan<byte> input, int maxData, out int consumed, out int dataOffset, out int dataLength)
    {
        consumed = 0;
        dataOffset = 0;
        dataLength = 0;
        while (true)
        {
            var rest = input[consumed..];
            switch (_state)
            {
                case State.Size:
                    {
                        var end = rest.IndexOf((byte)'\n');
                        if (end < 0)
                        {
                            return rest.Length >= MaxLineLength ? Fail() : ChunkedStatus.NeedMoreData;
                        }

                        if (end >= MaxLineLength || !TryParseSize(rest[..end], out var size))
                        {
                            return Fail();
                        }

                        consumed += end + 1;
                        _remaining = size;
                        _state = size == 0 ? State.Trailer : State.Data;
                        break;
                    }

                case State.Data:
                    if (rest.Length == 0 || maxData <= 0)
                    {
                        return ChunkedStatus.NeedMoreData;
                    }

                    dataOffset = consumed;
                    dataLength = (int)Math.Min(Math.Min(_remaining, rest.Length), maxData);
                    consumed += dataLength;
                    ConsumeData(dataLength);
                    return ChunkedStatus.Data;

                case State.DataEnd:
                    if (rest.Length < 2)
                    {
                        return rest.Length == 1 && rest[0] != '\r' ? Fail() : ChunkedStatus.NeedMoreData;
                    }

                    if (rest[0] != '\r' || rest[1] != '\n')
                    {
                        return Fail();
                    }

                    consumed += 2;
                    _state = State.Size;
                    break;

                case State.Trailer:
                    {
                        var end = rest.IndexOf((byte)'\n');
                        if (end < 0)
                        {
                            return _trailerLength + rest.Length >= MaxTrailerLength ? Fail() : ChunkedStatus.NeedMoreData;
                        }

                        _trailerLength += end + 1;
                        if (_trailerLength > MaxTrailerLength || end == 0 || rest[end - 1] != '\r' || rest[..(end - 1)].Contains((byte)'\r'))
                        {
                            return Fail();
                        }

                        consumed += end + 1;
                        if (end == 1)
                        {
                            _state = State.Done;
                            return ChunkedStatus.Done;
                        }

                        if (rest[..(end - 1)].IndexOf((byte)':') <= 0)
                        {
                            return Fail();
                        }

                        break;
                    }

                case State.Done:
                    return ChunkedStatus.Done;

                default:
                    return ChunkedStatus.Invalid;
            }
        }
    }

    /// <summary>Counts <paramref name="count"/> data bytes read past the decoder (straight into the caller's buffer).</summary>
    public void ConsumeData(int count)
    {
        if (_state != State.Data || count > _remaining || count < 0)
        {
            throw new InvalidOperationException("More chunk data consumed than the chunk holds");
        }

        _remaining -= count;
        if (_remaining == 0)
        {
            _state = State.DataEnd;
        }
    }

    private ChunkedStatus Fail()
    {
        _state = State.Invalid;
        return ChunkedStatus.Invalid;
    }

    /// <summary>A line (without its LF) holding <c>1*HEXDIG [ BWS ";" ext ] CR</c>.</summary>
    private static bool TryParseSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        if (line.Length == 0 || line[^1] != '\r')
        {
            return false;
        }

        line = line[..^1];
        var digits = 0;
        while (digits < line.Length && HexValue(line[digits]) >= 0)
        {
            if (digits == 15)
            {
                return false; // 16 hex digits would overflow a long
            }

            size = (size << 4) | (uint)HexValue(line[digits]);
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        var rest = line[digits..].TrimStart(" \t"u8);
        if (rest.Length == 0)
        {
            return true;
        }

        // Extensions are ignored, but they must not hide control characters.
        return rest[0] == ';' && !rest.ContainsAnyInRange((byte)0, (byte)8) && !rest.ContainsAnyInRange((byte)10, (byte)31) && !rest.Contains((byte)127);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
