using System.Text;
using Orleans.LoadBalancer.Gateway.FastLane;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.UnitTests.Gateway.FastLane;

/// <summary>
/// The fast lane's request head reader as a pure type: it takes only heads every HTTP/1.1 party reads the same way and
/// hands everything else to Kestrel, including each smuggling shape, before or once the head is complete.
/// </summary>
public sealed class RequestHeadReaderTests
{
    private static readonly RequestHeadLimits Limits = RequestHeadLimits.Kestrel;

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", "a", BodyFraming.None, -1L, false)]
    [InlineData("POST /x?y=1&z HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 5\r\n\r\n", "POST", "/x?y=1&z", "example.com:8080", BodyFraming.ContentLength, 5L, false)]
    [InlineData("PUT /u HTTP/1.1\r\nHost: [::1]:5000\r\nTransfer-Encoding: Chunked\r\n\r\n", "PUT", "/u", "[::1]:5000", BodyFraming.Chunked, -1L, false)]
    [InlineData("DELETE /d HTTP/1.1\r\nContent-Length: 0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "DELETE", "/d", "127.0.0.1", BodyFraming.None, 0L, true)]
    [InlineData("GET /%7Euser/a%20b HTTP/1.1\r\nhost:   spaced.example  \t\r\nConnection: Keep-Alive\r\nX-Empty:\r\n\r\n", "GET", "/%7Euser/a%20b", "spaced.example", BodyFraming.None, -1L, false)]
    [InlineData("M-SEARCH /q HTTP/1.1\r\nHost: a\r\nX-Request-Id: \"quoted\" (x) {y}\r\nCookie: k=v; k2=v2\r\n\r\n", "M-SEARCH", "/q", "a", BodyFraming.None, -1L, false)]
    public void A_plain_request_is_taken_with_its_parts_located(
        string text, string method, string target, string host, BodyFraming framing, long length, bool close)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "body or the next request");
        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(bytes, Limits, out var head));
        Assert.Equal(text.Length, head.HeadLength);
        Assert.Equal(method, Encoding.ASCII.GetString(bytes, 0, head.MethodLength));
        Assert.Equal(target, Encoding.ASCII.GetString(bytes[head.Target]));
        Assert.Equal(host, Encoding.ASCII.GetString(bytes[head.Host]));
        Assert.Equal(framing, head.Framing);
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(close, head.Close);
    }

    [Theory]
    // Not HTTP/1.1 in origin form.
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n")]
    [InlineData("GET /\r\n\r\n")]
    // Request line shape.
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("G\"T / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1 \r\nHost: a\r\n\r\n")]
    [InlineData("GET / http/1.1\r\nHost: a\r\n\r\n")]
    // Host: exactly one, plain.
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:1234567\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: []\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: :80\r\n\r\n")]
    // Framing: CL.TE, TE.CL, TE.TE and Content-Length shapes.
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n X: y\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999999\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n")]
    // Line ends, folding and bytes.
    [InlineData("GET / HTTP/1.1\nHost: a\n\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a<NUL>b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a<DEL>b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a<SOH>b\r\n\r\n")]
    [InlineData("GET /<NUL> HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: caf<E9>\r\n\r\n")]
    [InlineData("GET /caf<E9> HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX : b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n")]
    // Upgrades, expectations and connection options.
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHTTP2-Settings: AAMAAABk\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Secret\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nConnection: close\r\n\r\n")]
    public void Anything_not_plainly_safe_goes_to_Kestrel_and_no_prefix_of_it_is_taken(string text)
    {
        // Control bytes are named in the data, so that test names and result files hold none.
        var bytes = Encoding.Latin1.GetBytes(text.Replace("<NUL>", "\0").Replace("<DEL>", "\u007f").Replace("<SOH>", "\u0001").Replace("<E9>", "\u00e9"));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(bytes, Limits, out _));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.NotEqual(RequestHeadVerdict.Take, RequestHeadReader.Read(bytes.AsSpan(0, length), Limits, out _));
        }
    }

    [Fact]
    public void Every_prefix_of_a_plain_head_is_incomplete_and_the_verdict_does_not_depend_on_how_it_arrived()
    {
        var bytes = "POST /orders?id=7 HTTP/1.1\r\nHost: shop.example:8443\r\nX-Request-Id: 42\r\nContent-Length: 11\r\n\r\n"u8.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(RequestHeadVerdict.Incomplete, RequestHeadReader.Read(bytes.AsSpan(0, length), Limits, out _));
        }

        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(bytes, Limits, out var head));
        Assert.Equal(bytes.Length, head.HeadLength);
    }

    [Fact]
    public void A_bad_byte_or_line_end_hands_over_before_the_head_is_complete()
    {
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read("GET /\0"u8, Limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read("GET / HTTP/1.1\nHo"u8, Limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read("GET / HTTP/1.0\r\nHost"u8, Limits, out _));
        Assert.Equal(RequestHeadVerdict.Incomplete, RequestHeadReader.Read("GET / HTTP/1.1\r"u8, Limits, out _));
    }

    [Fact]
    public void Heads_at_Kestrels_limits_are_taken_and_past_them_handed_over()
    {
        var limits = new RequestHeadLimits(MaxRequestLineSize: 64, MaxRequestHeadersTotalSize: 128, MaxRequestHeaderCount: 4);

        var line = "GET /" + new string('a', 64 - 2 - "GET / HTTP/1.1".Length) + " HTTP/1.1\r\n";
        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(Encoding.ASCII.GetBytes(line + "Host: a\r\n\r\n"), limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(Encoding.ASCII.GetBytes(line.Insert(5, "b") + "Host: a\r\n\r\n"), limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(Encoding.ASCII.GetBytes("GET /" + new string('a', 80)), limits, out _));

        var four = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(Encoding.ASCII.GetBytes(four), limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(Encoding.ASCII.GetBytes(four.Replace("C: 3\r\n", "C: 3\r\nD: 4\r\n")), limits, out _));

        var fields = "Host: a\r\nX: " + new string('v', 128 - "Host: a\r\nX: \r\n\r\n".Length) + "\r\n\r\n";
        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n" + fields), limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n" + fields.Replace("X: ", "X: v")), limits, out _));
        Assert.Equal(RequestHeadVerdict.HandOver, RequestHeadReader.Read(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nX: " + new string('v', 200)), limits, out _));
    }
}
