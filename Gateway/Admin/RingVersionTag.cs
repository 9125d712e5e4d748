using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The ring's version as an HTTP entity tag (<c>"42"</c>): <c>GET /ring</c> and <c>PUT /ring/algorithm</c> answer
/// with it in <c>ETag</c>, and <c>PUT /ring/algorithm</c> honours <c>If-Match</c> with it, as etcd and Kubernetes
/// clients do a read-modify-write. Every version step changes it, health marks included.
/// </summary>
internal static class RingVersionTag
{
    public static string Of(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// The versions an <c>If-Match</c> header accepts: null when there is no header or it is <c>*</c> (any version);
    /// otherwise the strong tags that are ring versions. Weak tags never match (RFC 9110 compares If-Match strongly), and
    /// a header with no tag that can match gives an empty list, which no version matches.
    /// </summary>
    public static IReadOnlyList<long>? IfMatch(HttpRequest request)
    {
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList(values, out var tags))
        {
            return [];
        }

        if (tags.Any(t => t == EntityTagHeaderValue.Any))
        {
            return null;
        }

        return tags
            .Where(t => !t.IsWeak)
            .Select(t => long.TryParse(t.Tag.AsSpan(1, t.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToList();
    }
}
