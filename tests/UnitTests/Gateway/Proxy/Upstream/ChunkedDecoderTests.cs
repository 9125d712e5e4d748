using System.Text;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.Upstream;

/// <summary>The chunked decoder as a pure type: data out, framing consumed, broken framing refused at any split.</summary>
public sealed class ChunkedDecoderTests
{
    [Theory]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world")]
    [InlineData("a;name=value\r\n0123456789\r\n0;last\r\n\r\n", "0123456789")]
    [InlineData("A \r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", "abc")]
    [InlineData("0\r\n\r\n", "")]
    [InlineData("000010\r\n0123456789abcdef\r\n0\r\n\r\n", "0123456789abcdef")]
    public void A_valid_body_decodes_the_same_at_every_split(string wire, string body)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var (status, data, consumed) = Decode(bytes, split, maxData: 3);
            Assert.Equal(ChunkedStatus.Done, status);
            Assert.Equal(body, data);
            Assert.Equal(bytes.Length, consumed);
        }
    }

    [Fact]
    public void Bytes_after_the_last_chunk_are_not_consumed()
    {
        var bytes = Encoding.ASCII.GetBytes("2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n");
        var (status, data, consumed) = Decode(bytes, bytes.Length, maxData: 100);
        Assert.Equal(ChunkedStatus.Done, status);
        Assert.Equal("ok", data);
        Assert.Equal(12, consumed);
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloXY0\r\n\r\n")]
    [InlineData("5\r\nhello\n0\r\n\r\n")]
    [InlineData("5 5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("1000000000000000\r\nx\r\n")]
    [InlineData("5;ext\u0001\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0\r\nno colon here\r\n\r\n")]
    [InlineData("0\r\nX: bare\ncr\r\n\r\n")]
    public void Broken_framing_is_invalid_at_every_split(string wire)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var (status, _, _) = Decode(bytes, split, maxData: 100);
            Assert.Equal(ChunkedStatus.Invalid, status);
        }
    }

    [Fact]
    public void A_size_line_or_trailer_past_the_limit_is_invalid_rather_than_buffered_forever()
    {
        var longLine = Encoding.ASCII.GetBytes("5;" + new string('x', ChunkedDecoder.MaxLineLength));
        Assert.Equal(ChunkedStatus.Invalid, new ChunkedDecoder().Decode(longLine, 100, out _, out _, out _));

        var trailer = Encoding.ASCII.GetBytes("0\r\n" + string.Concat(Enumerable.Repeat("X-Pad: " + new string('p', 1000) + "\r\n", 20)));
        Assert.Equal(ChunkedStatus.Invalid, Decode(trailer, trailer.Length, 100).Status);
    }

    [Fact]
    public void Data_read_past_the_decoder_is_counted_against_the_chunk()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedStatus.NeedMoreData, decoder.Decode("10\r\n"u8, 100, out var consumed, out _, out _));
        Assert.Equal(4, consumed);
        Assert.Equal(16, decoder.DataRemaining);
        decoder.ConsumeData(16);
        Assert.Equal(0, decoder.DataRemaining);
        Assert.Equal(ChunkedStatus.Done, decoder.Decode("\r\n0\r\n\r\n"u8, 100, out consumed, out _, out _));
        Assert.Throws<InvalidOperationException>(() => decoder.ConsumeData(1));
    }

    /// <summary>Feeds the first <paramref name="split"/> bytes, then the rest, as a reader with a buffer would.</summary>
    private static (ChunkedStatus Status, string Data, int Consumed) Decode(byte[] wire, int split, int maxData)
    {
        var decoder = new ChunkedDecoder();
        var data = new StringBuilder();
        var start = 0;
        var available = split;
        while (true)
        {
            var status = decoder.Decode(wire.AsSpan(start, available - start), maxData, out var consumed, out var offset, out var length);
            if (status == ChunkedStatus.Data)
            {
                data.Append(Encoding.ASCII.GetString(wire, start + offset, length));
            }

            start += consumed;
            if (status is ChunkedStatus.Done or ChunkedStatus.Invalid)
            {
                return (status, data.ToString(), start);
            }

            if (status == ChunkedStatus.NeedMoreData)
            {
                if (available == wire.Length)
                {
                    return (status, data.ToString(), start);
                }

                available = wire.Length;
            }
        }
    }
}
