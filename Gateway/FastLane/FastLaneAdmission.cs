using System.Buffers;
using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// What the fast lane asks of a request beyond its head's syntax (<see cref="RequestHeadReader"/>) before it takes it:
/// a path both lanes send on alike (no percent-encoding and no dot segments, which Kestrel would decode and
/// normalise), not one of the gateway's own paths, and no <c>Via</c> (the loop check and its 508 stay in one place,
/// Kestrel's lane).
/// </summary>
internal static class FastLaneAdmission
{
    // RFC 3986 pchar without pct-encoded, and '/': what PathString.ToUriComponent leaves as it is.
    private static readonly SearchValues<byte> PathChars =
        SearchValues.Create("!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    // The same with '?' and '%': the query goes on as it came.
    private static readonly SearchValues<byte> QueryChars =
        SearchValues.Create("!$%&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    private static readonly SearchValues<byte> Unreserved =
        SearchValues.Create("-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    /// <summary>
    /// A query the Kestrel lane sends on byte for byte: its characters, and every percent-encoding well formed and of a
    /// character outside the unreserved set, which .NET's <see cref="Uri"/> (the forwarder's target) would decode.
    /// </summary>
    private static bool IsPlainQuery(ReadOnlySpan<byte> query)
    {
        if (query.ContainsAnyExcept(QueryChars))
        {
            return false;
        }

        for (var percent = query.IndexOf((byte)'%'); percent >= 0; percent = query.IndexOf((byte)'%'))
        {
            if (percent + 2 >= query.Length
                || !byte.TryParse(query.Slice(percent + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var decoded)
                || Unreserved.Contains(decoded))
            {
                return false;
            }

            query = query[(percent + 3)..];
        }

        return true;
    }

    /// <summary>The path of a request the lane takes; null to hand the connection over.</summary>
    public static string? PathOf(ReadOnlySpan<byte> head, in RequestHead request)
    {
        var target = head[request.Target];
        var question = target.IndexOf((byte)'?');
        var path = question < 0 ? target : target[..question];
        if (path.ContainsAnyExcept(PathChars) || path.IndexOf("/."u8) >= 0
            || (question >= 0 && !IsPlainQuery(target[(question + 1)..])))
        {
            return null;
        }

        foreach (var field in new HeadFields(head))
        {
            if (Ascii.EqualsIgnoreCase(head[field.Name], "Via"u8))
            {
                return null;
            }
        }

        var value = Encoding.ASCII.GetString(path);
        return AdminEndpoints.IsOwnPath(value) ? null : value;
    }
}
