using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Replaces dead replicas outside the health round: the round starts a replacement and goes on; the name is busy until
/// the replacement answers its heartbeat and the ring has its address (or it failed, and the policy backs off).
/// </summary>
internal sealed class ReplicaReplacer(
    ReplicaLauncher launcher, HealthPolicy policy, ReplicaTracker tracker, ReplicaMetrics metrics, ReplicaOptions options, ILogger logger)
{
    public void Start(IRingGrain ring, ReplicaRecord replica)
    {
        if (!tracker.Busy.Add(replica.Name))
        {
            // A change or a replacement is under way for this name: it decides what runs under it.
            return;
        }

        tracker.Set(replica.Name, policy.OnReplacing(tracker.HealthOf(replica.Name), tracker.Now));
        _ = ReplaceAsync(ring, replica);
    }

    private async Task ReplaceAsync(IRingGrain ring, ReplicaRecord replica)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // A replica gone already stops at once; a hung one gets SIGTERM and StopGrace to finish what it holds.
            await launcher.StopGracefullyAsync(ReplicaInstance.Of(replica));

            // The assignment's behaviour: a new random name joins at the end of the order (one step: out and in).
            var name = options.ReplaceWithNewName
                ? ReplicaNames.NewRandom((await ring.GetState()).Replicas.Select(r => r.Name).ToHashSet(StringComparer.Ordinal))
                : replica.Name;
            var instance = await launcher.StartHealthyAsync(name, name == replica.Name ? tracker.OrdinalOf(name) : tracker.NextOrdinal());
            _ = name == replica.Name
                ? await ring.UpdateReplicas([instance.ToRecord()])
                : await ring.ReplaceReplica(replica.Name, instance.ToRecord() with { Weight = replica.Weight });

            var health = policy.OnReplaced(tracker.HealthOf(replica.Name), tracker.Now);
            if (name != replica.Name)
            {
                tracker.Forget(replica.Name);
            }

            tracker.Started(name, health, instance.Ordinal);
            metrics.Restarted(replica.Name);
            logger.LogInformation("Replaced replica {Replica} by {Replacement} at {Address} in {Elapsed:0} ms (restart {Restarts})",
                replica.Name, name == replica.Name ? "a new one" : name, instance.Address, Stopwatch.GetElapsedTime(started).TotalMilliseconds, health.Restarts);
            if (health.Health == ReplicaHealth.Failed)
            {
                logger.LogError("Replica {Replica} keeps dying: restarted {Restarts} times in a row", name, health.CrashStreak);
            }
        }
        catch (Exception ex)
        {
            var health = policy.OnReplaceFailed(tracker.HealthOf(replica.Name), tracker.Now);
            tracker.Set(replica.Name, health);
            logger.LogError(ex, "Could not replace replica {Replica} (attempt {Attempt}); next try after {NextRestart:O}",
                replica.Name, health.CrashStreak, health.NextRestart);
        }
        finally
        {
            tracker.Release([replica.Name]);
        }
    }
}
