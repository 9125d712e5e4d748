using System.Globalization;

namespace Orleans.LoadBalancer.BackendServer;

/// <summary>
/// Switches for chaos tests, only honoured when <c>BACKEND_TEST_SWITCHES=1</c> (or hanging from the start):
/// <list type="bullet">
/// <item><c>POST /admin/hang</c>: from then on every request is accepted and never answered.</item>
/// <item>A replica slow to become alive: while its name starts with <c>slow-heartbeat</c>, <c>GET /heartbeat</c> answers
/// 503 until <c>BACKEND_SLOW_HEARTBEAT_SECONDS</c> (default 15) after it got that name — at start, or for a warm spare
/// when <c>POST /admin/identity</c> names it. Everything else answers as usual.</item>
/// <item>A program without <c>POST /admin/identity</c>: with <c>BACKEND_NO_IDENTITY=1</c> a warm spare does not map it
/// (it answers 404, as a program that never heard of warm spares does).</item>
/// </list>
/// </summary>
internal sealed class TestSwitches(bool enabled, bool hangFromStart, TimeSpan slowHeartbeatFor, bool withoutIdentity = false)
{
    public const string SlowHeartbeatPrefix = "slow-heartbeat";

    private volatile bool _hanging = hangFromStart;

    public bool Enabled { get; } = enabled;

    /// <summary>Whether <c>POST /admin/identity</c> is left out, even on a warm spare.</summary>
    public bool WithoutIdentity { get; } = enabled && withoutIdentity;

    public bool Hanging
    {
        get => _hanging;
        set => _hanging = value;
    }

    /// <summary>Whether <c>/heartbeat</c> must still answer 503 for the replica named <paramref name="identity"/>.</summary>
    public bool HeartbeatHeldBack(ServerIdentity identity)
    {
        if (!Enabled)
        {
            return false;
        }

        var (name, held) = identity.Current;
        return name.StartsWith(SlowHeartbeatPrefix, StringComparison.Ordinal) && held < slowHeartbeatFor;
    }

    /// <summary><c>BACKEND_SLOW_HEARTBEAT_SECONDS</c>: 15 when unset; otherwise 0 to 86,400 seconds.</summary>
    public static TimeSpan SlowHeartbeatFor(string? seconds)
    {
        if (string.IsNullOrEmpty(seconds))
        {
            return TimeSpan.FromSeconds(15);
        }

        return double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 86_400
            ? TimeSpan.FromSeconds(value)
            : throw new InvalidOperationException($"BACKEND_SLOW_HEARTBEAT_SECONDS must be a number of seconds from 0 to 86400, not '{seconds}'");
    }
}
