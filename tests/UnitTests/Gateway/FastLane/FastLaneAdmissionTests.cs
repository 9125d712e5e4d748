using System.Text;
using Orleans.LoadBalancer.Gateway.FastLane;

namespace Orleans.LoadBalancer.UnitTests.Gateway.FastLane;

/// <summary>What the fast lane asks of a taken head before it serves it: a path both lanes send on alike, not the gateway's own, no Via.</summary>
public sealed class FastLaneAdmissionTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/home", "/home")]
    [InlineData("/a/b-c_d.e~f/g!$&'()*+,;=:@", "/a/b-c_d.e~f/g!$&'()*+,;=:@")]
    [InlineData("/search?q=a%20b&x=/y?z", "/search")]
    [InlineData("/file.txt", "/file.txt")]
    [InlineData("/replicas/web-1", "/replicas/web-1")]
    [InlineData("/q?a=%20%2F%3D%25+b", "/q")]
    public void A_plain_path_is_taken(string target, string path) => Assert.Equal(path, PathOf(target));

    [Theory]
    // Kestrel decodes and normalises these: only its lane reads them.
    [InlineData("/a%2Fb")]
    [InlineData("/%7Euser")]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/a/..")]
    [InlineData("/.well-known/x")]
    [InlineData("/a\"b")]
    [InlineData("/a{b}")]
    [InlineData("/a|b")]
    [InlineData("/q?x=<y>")]
    [InlineData("/q?x=\"y\"")]
    // .NET's Uri decodes a percent-encoded unreserved character in the query, so the Kestrel lane sends "%41" as "A".
    [InlineData("/q?x=%41")]
    [InlineData("/q?x=%7e")]
    [InlineData("/q?x=%2")]
    [InlineData("/q?x=%zz")]
    // The gateway's own paths.
    [InlineData("/rep")]
    [InlineData("/REP/")]
    [InlineData("/add")]
    [InlineData("/rm?x=1")]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/ring/view")]
    [InlineData("/replicas/web-1/state")]
    public void Any_other_path_goes_to_kestrel(string target) => Assert.Null(PathOf(target));

    [Theory]
    [InlineData("Via: 1.1 proxy")]
    [InlineData("via: 1.0 a, 1.1 b")]
    [InlineData("VIA:")]
    public void A_request_with_via_goes_to_kestrel_whose_lane_checks_for_loops(string via) =>
        Assert.Null(PathOf("/home", via));

    private static string? PathOf(string target, string? field = null)
    {
        var text = $"GET {target} HTTP/1.1\r\nHost: a\r\n{(field is null ? "" : field + "\r\n")}X-Request-Id: k\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.Equal(RequestHeadVerdict.Take, RequestHeadReader.Read(bytes, RequestHeadLimits.Kestrel, out var head));
        return FastLaneAdmission.PathOf(bytes, head);
    }
}
