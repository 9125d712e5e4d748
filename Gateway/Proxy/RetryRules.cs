using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>Which requests may be sent again to another replica, and which answers of a replica count against it.</summary>
internal static class RetryRules
{
    /// <summary>RFC 9110's safe methods (9.2.1): the replica was asked only to read.</summary>
    public static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>RFC 9110's idempotent methods (9.2.2): the safe ones, PUT and DELETE; sent twice, they leave what once does.</summary>
    public static bool IsIdempotent(string method) => IsSafe(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    /// <summary>
    /// After the replica failed (refused, reset, timed out): a safe request, or any request that never reached it
    /// (the connection was not made). The body of one that did may be partly sent, so only reads go again.
    /// </summary>
    public static bool MaySendAgainAfterFailure(string method, Exception? exception) =>
        IsSafe(method) || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    /// <summary>
    /// After the replica answered a retried status: an idempotent request without a body, which goes again exactly as
    /// it went (a body was read by the first replica and is not kept).
    /// </summary>
    public static bool MaySendAgainAfterStatus(string method, bool hasBody) => !hasBody && IsIdempotent(method);

    /// <summary>Whether the request carries a body (a length above 0, chunks, or an HTTP/2 or /3 stream with data).</summary>
    public static bool HasBody(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { } detection
            ? detection.CanHaveBody && request.ContentLength is not 0
            : request.ContentLength > 0 || request.Headers.ContainsKey(HeaderNames.TransferEncoding);

    /// <summary>Whether <paramref name="status"/> is one of <c>Gateway:RetryOnStatus</c>.</summary>
    public static bool IsRetriedStatus(ReadOnlySpan<int> retried, int status) => retried.Contains(status);

    /// <summary>
    /// A replica's answer that counts as its failure for outlier detection: 502, 503 or 504 (Envoy's gateway failures),
    /// the replica saying that it, or what is behind it, cannot serve. A 500 is an application's answer to a request.
    /// </summary>
    public static bool IsFailureStatus(int status) => status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable
        or StatusCodes.Status504GatewayTimeout;
}
