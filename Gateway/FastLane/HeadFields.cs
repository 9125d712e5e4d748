namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// The header fields of a head <see cref="RequestHeadReader"/> took, in order, as (name, value) ranges of the head:
/// names as sent, values without the whitespace around them. The reader checked the syntax, so this only splits.
/// </summary>
internal ref struct HeadFields(ReadOnlySpan<byte> head)
{
    private readonly ReadOnlySpan<byte> _head = head;
    private int _next = head.IndexOf("\r\n"u8) + 2;

    public Range Name { get; private set; }

    public Range Value { get; private set; }

    /// <summary>The whole line, CRLF included.</summary>
    public Range Line { get; private set; }

    public bool MoveNext()
    {
        var rest = _head[_next..];
        var end = rest.IndexOf("\r\n"u8);
        if (end <= 0)
        {
            return false;
        }

        var colon = rest[..end].IndexOf((byte)':');
        var valueStart = colon + 1;
        var valueEnd = end;
        while (valueStart < valueEnd && rest[valueStart] is (byte)' ' or (byte)'\t')
        {
            valueStart++;
        }

        while (valueEnd > valueStart && rest[valueEnd - 1] is (byte)' ' or (byte)'\t')
        {
            valueEnd--;
        }

        Name = new Range(_next, _next + colon);
        Value = new Range(_next + valueStart, _next + valueEnd);
        Line = new Range(_next, _next + end + 2);
        _next += end + 2;
        return true;
    }

    public readonly HeadFields GetEnumerator() => this;

    public readonly HeadFields Current => this;
}
