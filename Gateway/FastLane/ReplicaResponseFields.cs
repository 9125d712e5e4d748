using System.Buffers;
using System.Text;
using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// A replica's response fields as the lane passes them on: every field but the <see cref="ExcludedHeaders"/>, kept
/// as <c>name: value</c> lines; the gateway's own (<c>X-Replica</c>, <c>X-Attempts</c>, a generated request id) and,
/// when the gateway writes its own body instead, the replica's body fields are left out as they are written.
/// One per connection, reused by each response.
/// </summary>
internal sealed class ReplicaResponseFields
{
    private static readonly FieldNameSet GatewayFields = new(["X-Replica", "X-Attempts"]);

    private static readonly FieldNameSet BodyFields = new([.. ReplicaTransformer.ReplicaBodyHeaders, "Content-Type"]);

    private byte[] _text = new byte[2048];
    private int _length;
    private (int Start, int NameLength, int Length)[] _lines = new (int, int, int)[32];
    private int _count;

    /// <summary>The replica sent a <c>Date</c>: it is passed on, and the gateway adds none.</summary>
    public bool HasDate { get; private set; }

    public void Reset()
    {
        _length = 0;
        _count = 0;
        HasDate = false;
    }

    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (ExcludedHeaders.Contains(name))
        {
            return;
        }

        HasDate |= Ascii.EqualsIgnoreCase(name, "Date"u8);
        var size = name.Length + value.Length + 4;
        if (_length + size > _text.Length)
        {
            Array.Resize(ref _text, Math.Max(_text.Length * 2, _length + size));
        }

        if (_count == _lines.Length)
        {
            Array.Resize(ref _lines, _lines.Length * 2);
        }

        var line = _text.AsSpan(_length);
        name.CopyTo(line);
        ": "u8.CopyTo(line[name.Length..]);
        value.CopyTo(line[(name.Length + 2)..]);
        "\r\n"u8.CopyTo(line[(name.Length + 2 + value.Length)..]);
        _lines[_count++] = (_length, name.Length, size);
        _length += size;
    }

    /// <summary>Writes the lines on, without the gateway's own fields, a generated <paramref name="requestId"/>'s (if any) and, when <paramref name="bodyReplaced"/>, the body's.</summary>
    public void WriteTo(IBufferWriter<byte> output, ReadOnlySpan<byte> requestId, bool bodyReplaced)
    {
        for (var i = 0; i < _count; i++)
        {
            var (start, nameLength, length) = _lines[i];
            var name = _text.AsSpan(start, nameLength);
            if (GatewayFields.Contains(name) || (requestId.Length > 0 && Ascii.EqualsIgnoreCase(name, requestId))
                || (bodyReplaced && BodyFields.Contains(name)))
            {
                continue;
            }

            output.Write(_text.AsSpan(start, length));
        }
    }
}
