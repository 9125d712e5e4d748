using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>Which requests go again to another replica, and which answers count against a replica.</summary>
public sealed class RetryRulesTests
{
    [Theory]
    [InlineData("GET", true, true)]
    [InlineData("HEAD", true, true)]
    [InlineData("OPTIONS", true, true)]
    [InlineData("TRACE", true, true)]
    [InlineData("PUT", false, true)]
    [InlineData("DELETE", false, true)]
    [InlineData("POST", false, false)]
    [InlineData("PATCH", false, false)]
    public void Safe_and_idempotent_methods_are_those_of_RFC_9110(string method, bool safe, bool idempotent)
    {
        Assert.Equal((safe, idempotent), (RetryRules.IsSafe(method), RetryRules.IsIdempotent(method)));
    }

    [Theory]
    [InlineData("GET", false, true)]
    [InlineData("DELETE", false, true)]
    [InlineData("PUT", false, true)]
    [InlineData("PUT", true, false)]
    [InlineData("GET", true, false)]
    [InlineData("POST", false, false)]
    [InlineData("PATCH", false, false)]
    public void After_a_retried_status_only_an_idempotent_request_without_a_body_goes_again(string method, bool hasBody, bool again)
    {
        Assert.Equal(again, RetryRules.MaySendAgainAfterStatus(method, hasBody));
    }

    [Fact]
    public void After_a_failure_a_read_goes_again_and_a_write_only_when_it_never_reached_the_replica()
    {
        Assert.True(RetryRules.MaySendAgainAfterFailure("GET", new HttpRequestException(HttpRequestError.ResponseEnded)));
        Assert.True(RetryRules.MaySendAgainAfterFailure("POST", new HttpRequestException(HttpRequestError.ConnectionError)));
        Assert.False(RetryRules.MaySendAgainAfterFailure("POST", new HttpRequestException(HttpRequestError.ResponseEnded)));
        Assert.False(RetryRules.MaySendAgainAfterFailure("PUT", null));
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(0L, null, false)]
    [InlineData(12L, null, true)]
    [InlineData(null, "chunked", true)]
    public void A_request_has_a_body_when_it_declares_a_length_or_chunks(long? length, string? transferEncoding, bool hasBody)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentLength = length;
        if (transferEncoding is not null)
        {
            context.Request.Headers.TransferEncoding = transferEncoding;
        }

        Assert.Equal(hasBody, RetryRules.HasBody(context.Request));
    }

    [Theory]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(500, false)]
    [InlineData(501, false)]
    [InlineData(429, false)]
    [InlineData(200, false)]
    public void Only_gateway_failures_count_against_a_replica(int status, bool failure)
    {
        Assert.Equal(failure, RetryRules.IsFailureStatus(status));
    }

    [Fact]
    public void A_status_is_retried_only_when_listed()
    {
        Assert.True(RetryRules.IsRetriedStatus([502, 503, 504], 503));
        Assert.False(RetryRules.IsRetriedStatus([502, 503, 504], 500));
        Assert.False(RetryRules.IsRetriedStatus([], 503));
    }
}
