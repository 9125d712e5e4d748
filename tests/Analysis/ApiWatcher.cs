using System.Diagnostics;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// Polls <c>/ring</c> and <c>/replicas</c> for one replica: when it is marked down, up again, moved to a new address
/// or runtime id, or gone from the ring. Times are milliseconds on the shared clock; read them from any thread.
/// </summary>
public sealed class ApiWatcher(GatewayClient gateway, ReplicaInfo replica, Stopwatch clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private double _downAt = double.NaN;
    private double _upAgainAt = double.NaN;
    private double _movedAt = double.NaN;
    private double _goneAt = double.NaN;
    private int _polls;
    private double _firstPoll = double.NaN;
    private double _lastPoll;

    public double? DownAt => Read(ref _downAt);

    public double? UpAgainAt => Read(ref _upAgainAt);

    public double? MovedAt => Read(ref _movedAt);

    public double? GoneAt => Read(ref _goneAt);

    /// <summary>Serving again as far as the API tells: at a new address (or runtime id), and up if it was seen down.</summary>
    public double? ReplacedAt =>
        MovedAt is not { } moved ? null
        : DownAt is null ? moved
        : UpAgainAt is { } up ? Math.Max(moved, up)
        : null;

    public double MeanIntervalMs => _polls > 1 ? (_lastPoll - _firstPoll) / (_polls - 1) : double.NaN;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(cancellationToken);
                await Task.Delay(Interval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // The API failing for a moment during the kill is no reason to stop watching.
            }
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var ring = await gateway.RingAsync(cancellationToken);
        var now = clock.Elapsed.TotalMilliseconds;
        var member = ring.Replicas.FirstOrDefault(r => r.Name == replica.Name);
        if (member is null)
        {
            Once(ref _goneAt, now);
        }
        else if (!member.Up)
        {
            Once(ref _downAt, now);
        }
        else if (DownAt is not null)
        {
            Once(ref _upAgainAt, now);
        }

        var current = (await gateway.ReplicasAsync(cancellationToken)).FirstOrDefault(r => r.Name == replica.Name);
        now = clock.Elapsed.TotalMilliseconds;
        if (current is not null && (current.Address != replica.Address || current.RuntimeId != replica.RuntimeId))
        {
            Once(ref _movedAt, now);
        }

        _polls++;
        _firstPoll = double.IsNaN(_firstPoll) ? now : _firstPoll;
        _lastPoll = now;
    }

    private static void Once(ref double field, double value)
    {
        if (double.IsNaN(Volatile.Read(ref field)))
        {
            Volatile.Write(ref field, value);
        }
    }

    private static double? Read(ref double field) => Volatile.Read(ref field) is var value && double.IsNaN(value) ? null : value;
}
