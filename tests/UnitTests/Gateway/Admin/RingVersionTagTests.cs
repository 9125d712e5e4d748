using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary><c>If-Match</c> against the ring's version: strong tags only, <c>*</c> for any, nothing that cannot match taken as a match.</summary>
public sealed class RingVersionTagTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("*", null)]
    [InlineData("\"7\"", "7")]
    [InlineData("\"7\", \"9\"", "7,9")]
    [InlineData("W/\"7\"", "")]
    [InlineData("\"seven\"", "")]
    [InlineData("7", "")]
    [InlineData("\"-1\"", "")]
    public void If_Match_gives_the_versions_it_accepts(string? header, string? versions)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers.IfMatch = header;
        }

        var accepted = RingVersionTag.IfMatch(context.Request);

        Assert.Equal(versions, accepted is null ? null : string.Join(",", accepted));
    }

    [Fact]
    public void The_tag_is_the_version_quoted() => Assert.Equal("\"42\"", RingVersionTag.Of(42));
}
