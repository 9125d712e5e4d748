using System.Text;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.Upstream;

/// <summary>The response head parser as a pure type: framing decided as RFC 9112 §6.3 says, anything ambiguous refused.</summary>
public sealed class ResponseHeadParserTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", false, 200, BodyFraming.ContentLength, 12L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, BodyFraming.None, 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", false, 200, BodyFraming.Chunked, -1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", false, 200, BodyFraming.UntilClose, -1L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive, Close\r\n\r\n", false, 200, BodyFraming.ContentLength, 12L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", true, 200, BodyFraming.None, 12L, true)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n", false, 204, BodyFraming.None, 12L, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, 304, BodyFraming.None, -1L, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", false, 200, BodyFraming.ContentLength, 3L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n", false, 200, BodyFraming.ContentLength, 3L, true)]
    [InlineData("HTTP/1.1 599\r\nContent-Length: 1\r\n\r\n", false, 599, BodyFraming.ContentLength, 1L, true)]
    public void Framing_follows_the_head(string head, bool requestWasHead, int status, BodyFraming framing, long length, bool keepAlive)
    {
        var sink = new Sink();
        var bytes = Encoding.ASCII.GetBytes(head + "body after the head");
        Assert.Equal(HeadStatus.Complete, ResponseHeadParser.TryParse(bytes, requestWasHead, 8192, ref sink, out var parsed));
        Assert.Equal(status, parsed.StatusCode);
        Assert.Equal(framing, parsed.Framing);
        Assert.Equal(length, parsed.ContentLength);
        Assert.Equal(keepAlive, parsed.KeepAlive);
        Assert.Equal(head.Length, parsed.HeadLength);
    }

    [Fact]
    public void Fields_reach_the_sink_trimmed_without_connection_level_ones()
    {
        var sink = new Sink();
        var head = "HTTP/1.1 201 Made It\r\nX-A:  one \t\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: two\r\nContent-Length: 2\r\nX-Empty:\r\n\r\n"u8;
        Assert.Equal(HeadStatus.Complete, ResponseHeadParser.TryParse(head, false, 8192, ref sink, out var parsed));
        Assert.Equal(["X-A: one", "X-A: two", "Content-Length: 2", "X-Empty: "], sink.Fields);
        Assert.Equal("Made It", Encoding.ASCII.GetString(head.Slice(parsed.ReasonStart, parsed.ReasonLength)));
    }

    [Fact]
    public void An_interim_response_is_skipped_whole_and_tells_the_sink_nothing()
    {
        var sink = new Sink();
        var head = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n"u8;
        Assert.Equal(HeadStatus.Interim, ResponseHeadParser.TryParse(head, false, 8192, ref sink, out var parsed));
        Assert.Equal(57, parsed.HeadLength);
        Assert.Empty(sink.Fields);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTX/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20x OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Name : x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: no name\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: bare\nlf\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: nul\0\r\n\r\n")]
    [InlineData("garbage\r\n\r\n")]
    public void Ambiguous_or_malformed_heads_are_invalid(string head)
    {
        var sink = new Sink();
        Assert.Equal(HeadStatus.Invalid, ResponseHeadParser.TryParse(Encoding.Latin1.GetBytes(head), false, 8192, ref sink, out _));
    }

    [Fact]
    public void A_head_is_incomplete_until_its_blank_line_and_invalid_past_the_limit()
    {
        var sink = new Sink();
        var head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Pad: " + new string('p', 200) + "\r\n\r\n");
        for (var length = 0; length < head.Length; length++)
        {
            Assert.Equal(HeadStatus.Incomplete, ResponseHeadParser.TryParse(head.AsSpan(0, length), false, 8192, ref sink, out _));
        }

        Assert.Equal(HeadStatus.Complete, ResponseHeadParser.TryParse(head, false, 8192, ref sink, out _));
        Assert.Equal(HeadStatus.Invalid, ResponseHeadParser.TryParse(head, false, 100, ref sink, out _));
        Assert.Equal(HeadStatus.Invalid, ResponseHeadParser.TryParse(head.AsSpan(0, 150), false, 100, ref sink, out _));
    }

    private sealed class Sink : IResponseHeaderSink
    {
        public List<string> Fields { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add($"{Encoding.ASCII.GetString(name)}: {Encoding.ASCII.GetString(value)}");
    }
}
