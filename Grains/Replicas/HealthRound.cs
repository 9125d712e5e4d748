using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// One health check of every replica that is not busy: probe all at once, ask the <see cref="HealthPolicy"/> about each,
/// then carry out what it says: marks in one version step (the table keeps their place, so only their keys move), and
/// replacements started without waiting for them.
/// </summary>
internal sealed class HealthRound(
    ReplicaLauncher launcher, HealthPolicy policy, ReplicaTracker tracker, ReplicaReplacer replacer, ReplicaMetrics metrics, ILogger logger)
{
    public async Task RunAsync(IRingGrain ring, CancellationToken cancellationToken)
    {
        var mark = tracker.Mark;
        var state = await ring.GetState();
        var unsettled = tracker.Unsettled(mark);
        var members = state.Replicas.Where(r => !unsettled.Contains(r.Name)).ToList();
        var results = await Task.WhenAll(members.Select(r => launcher.ProbeLivenessAsync(r, cancellationToken)));
        var (marks, replace) = (new List<ReplicaRecord>(), new List<ReplicaRecord>());
        unsettled = tracker.Unsettled(mark);
        for (var i = 0; i < members.Count; i++)
        {
            var replica = members[i];
            if (unsettled.Contains(replica.Name))
            {
                // An admin change or a replacement took it, or finished with it, while the probes ran.
                continue;
            }

            var verdict = policy.OnRoundProbe(tracker.HealthOf(replica.Name), results[i], replica, tracker.Now);
            tracker.Set(replica.Name, verdict.State);
            if (verdict.Died)
            {
                logger.LogWarning("Replica {Replica} at {Address} is down after {Failures} failed heartbeats ({Result})",
                    replica.Name, replica.Address, verdict.State.Failures, results[i]);
                metrics.Died(replica.Name);
            }
            else if (verdict.AnswersAgain)
            {
                // Marked down, then it answered again (a pause shorter than DeadAfter, or before its backoff ended): the same
                // process takes its keys back.
                logger.LogInformation("Replica {Replica} at {Address} answers again; marking it up", replica.Name, replica.Address);
            }

            if (verdict.MarkUp is { } up)
            {
                marks.Add(replica with { IsUp = up });
            }

            if (verdict.Replace)
            {
                logger.LogWarning("Replacing replica {Replica} at {Address}: {Reason}", replica.Name, replica.Address, WhyReplaced(results[i], verdict.State));
                replace.Add(replica);
            }
        }

        // Marks first: a replacement's record (up, at its new address) must not be overwritten by the old one.
        if (marks.Count > 0)
        {
            await logger.TryAsync("mark down or up", () => ring.UpdateReplicas(marks));
        }

        replace.ForEach(replica => replacer.Start(ring, replica));

        metrics.Observed(state.Replicas.Select(r => (r.Name, tracker.StateOf(r))).ToList());
    }

    private static string WhyReplaced(HeartbeatResult result, ReplicaHealthState state) => result switch
    {
        HeartbeatResult.Refused => "it refuses connections",
        HeartbeatResult.Exited => "its process has exited",
        _ => $"no answer since {state.UnresponsiveSince:O}",
    };
}
