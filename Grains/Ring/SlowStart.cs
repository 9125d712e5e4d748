using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// The RingGrain's ramps: which replicas are in slow start since when, and the loop that steps them. The loop is a
/// plain task on the grain's scheduler (no timer, no reminder): it sleeps until the next step is due, then makes one
/// table change for every ramp that is due. Each step reads the ring as it is then, so a replica removed or re-weighted
/// meanwhile (its ramp ended by <see cref="End"/>) is simply left alone; calls interleave with it freely.
/// </summary>
internal sealed class SlowStart(SlowStartRamp ramp, TimeProvider time, IRampTarget target, ILogger logger)
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, long> _started = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public SlowStartRamp Ramp => ramp;

    /// <summary>Whether new and recovered replicas ramp up in <paramref name="ring"/> (never in the classic assignment, which has no weights).</summary>
    public bool Applies(RingGrainState ring) => ramp.Enabled && ring.CurrentTable.HasWeights;

    /// <summary>Replicas that come up in <paramref name="after"/>: down before, or up again at another address (replaced).</summary>
    public IReadOnlyList<string> Recovered(IReadOnlyList<ReplicaRecord> before, IReadOnlyList<ReplicaRecord> after)
    {
        var was = before.ToDictionary(r => r.Name, StringComparer.Ordinal);
        return [.. after.Where(r => r.IsUp && was.TryGetValue(r.Name, out var old) && (!old.IsUp || old.Address != r.Address)).Select(r => r.Name)];
    }

    /// <summary>Ramps <paramref name="names"/> from now (their table weight is already the start weight).</summary>
    public void Start(IEnumerable<string> names)
    {
        var now = time.GetTimestamp();
        foreach (var name in names)
        {
            _started[name] = now;
        }

        EnsureLoop();
    }

    /// <summary>Ends the ramps of <paramref name="names"/> (removed, or given a weight by an operator).</summary>
    public void End(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            _started.Remove(name);
        }
    }

    /// <summary>On activation: replicas whose table weight is below their weight were ramping; they go on from their level.</summary>
    public void Resume(RingGrainState ring)
    {
        var now = time.GetTimestamp();
        var weights = ring.CurrentTable.MemberWeights;
        for (var i = 0; i < ring.CurrentTable.Members.Count; i++)
        {
            var name = ring.CurrentTable.Members[i];
            var record = ring.Replicas.Find(r => r.Name == name);
            if (record is not null && weights[i] < record.Weight * RoutingTable.WeightScale)
            {
                var elapsed = ramp.ElapsedAt(record.Weight, weights[i]);
                _started[name] = now - (long)(elapsed.TotalSeconds * time.TimestampFrequency);
                logger.LogInformation("Replica {Replica} resumes slow start at table weight {TableWeight}", name, weights[i]);
            }
        }

        if (_started.Count > 0)
        {
            EnsureLoop();
        }
    }

    public void Stop() => _stop.Cancel();

    private void EnsureLoop()
    {
        if (_loop is not { IsCompleted: false })
        {
            _loop = RunAsync(_stop.Token);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (_started.Count > 0)
            {
                var wait = NextDue();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stop);
                }

                if (_started.Count == 0)
                {
                    return;
                }

                try
                {
                    await target.ChangeTableWeightsAsync(Due);
                    EndFinished(target.Ring);
                }
                catch (ArgumentException ex)
                {
                    // The table refuses the weights (a ring that would hold too many points): no retry can succeed.
                    logger.LogError(ex, "Slow start cannot step replicas {Replicas}; their ramps end where they are", _started.Keys);
                    _started.Clear();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "A slow-start step failed; retrying in {Retry}", Retry);
                    await Task.Delay(Retry, time, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The grain is deactivating: the next activation resumes the ramps from the stored weights.
        }
    }

    /// <summary>How long until the first ramp's next step.</summary>
    private TimeSpan NextDue()
    {
        var now = time.GetTimestamp();
        var wait = TimeSpan.MaxValue;
        foreach (var start in _started.Values)
        {
            var elapsed = time.GetElapsedTime(start, now);
            var next = ramp.NextStep(elapsed) is { } step ? step - elapsed : TimeSpan.Zero;
            wait = next < wait ? next : wait;
        }

        return wait;
    }

    /// <summary>The table weight each ramping replica still in <paramref name="ring"/> has reached, where it differs from the table's.</summary>
    private List<KeyValuePair<string, int>> Due(RingGrainState ring)
    {
        var now = time.GetTimestamp();
        var table = ring.CurrentTable;
        var changes = new List<KeyValuePair<string, int>>();
        foreach (var (name, start) in _started)
        {
            if (ring.Replicas.Find(r => r.Name == name) is not { } record)
            {
                continue;
            }

            // Off now (a restart with other settings): straight to the whole weight. Classic has no weights to ramp.
            if (!table.HasWeights)
            {
                continue;
            }

            var weight = Applies(ring) ? ramp.TableWeight(record.Weight, time.GetElapsedTime(start, now)) : record.Weight * RoutingTable.WeightScale;
            if (weight != table.WeightOf(name))
            {
                changes.Add(KeyValuePair.Create(name, weight));
            }
        }

        return changes;
    }

    /// <summary>Ramps whose replica has gone or holds its whole weight (or whose table has no weights) are over.</summary>
    private void EndFinished(RingGrainState ring)
    {
        foreach (var name in _started.Keys.ToList())
        {
            var record = ring.Replicas.Find(r => r.Name == name);
            if (record is null || ring.CurrentTable.WeightOf(name) >= record.Weight * RoutingTable.WeightScale
                || !ring.CurrentTable.HasWeights)
            {
                _started.Remove(name);
                if (record is not null)
                {
                    logger.LogInformation("Replica {Replica} finished slow start at weight {Weight}", name, record.Weight);
                }
            }
        }
    }
}
