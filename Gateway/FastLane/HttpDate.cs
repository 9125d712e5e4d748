using System.Globalization;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>The <c>Date</c> header line Kestrel would write now (RFC 9110's IMF-fixdate), made at most once a second.</summary>
internal static class HttpDate
{
    private static (long Second, byte[] Line) _current = (-1, []);

    public static ReadOnlySpan<byte> Line
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            var second = now.ToUnixTimeSeconds();
            var current = _current;
            if (current.Second != second)
            {
                current = (second, Encoding.ASCII.GetBytes("Date: " + now.ToString("r", CultureInfo.InvariantCulture) + "\r\n"));
                _current = current;
            }

            return current.Line;
        }
    }
}
