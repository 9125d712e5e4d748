using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// The replica health rules as a pure state machine: from a state and an event (a probe, a gateway's report, a
/// replacement's start and outcome) to the next state and, for a probe, what the manager must do.
/// </summary>
internal sealed class HealthPolicy(ReplicaOptions options)
{
    // 2^20 s is twelve days, beyond any configurable maximum.
    private const int MaxBackoffExponent = 20;

    /// <summary>
    /// A probe of <paramref name="replica"/> as the ring has it, in a health round: <see cref="OnProbe"/>, then the rules
    /// on who is replaced and marked. Nobody here runs an external replica, and a draining one is the operator's: both
    /// are marked down and up, never replaced. Under <see cref="ReplicaOptions.ReplaceWithNewName"/> a replaced replica
    /// is never marked: its replacement takes its place in one step.
    /// </summary>
    public ProbeVerdict OnRoundProbe(ReplicaHealthState state, HeartbeatResult result, ReplicaRecord replica, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var (health, action) = OnProbe(state, result, replica.IsUp, now);
        var replaceable = !ExternalReplicas.Is(replica) && !replica.Draining;
        if (!replaceable)
        {
            (health, action) = NotReplaced(health, action, result);
        }

        var died = action is HealthAction.MarkDown or HealthAction.MarkDownAndReplace;
        var answersAgain = !died && !replica.IsUp && result == HeartbeatResult.Alive;
        bool? markUp = died ? false : answersAgain ? true : null;
        return new ProbeVerdict(
            health,
            died,
            answersAgain,
            options.ReplaceWithNewName && replaceable ? null : markUp,
            action is HealthAction.Replace or HealthAction.MarkDownAndReplace);
    }

    /// <summary>
    /// Liveness, not readiness: a replica that stops answering is marked down after
    /// <see cref="ReplicaOptions.FailuresBeforeDead"/> failed probes (its keys go elsewhere at once), but replaced only
    /// when it is gone (refused, or its process exited) or has not answered for <see cref="ReplicaOptions.DeadAfter"/>:
    /// a replica that pauses (a long GC, SIGSTOP) and answers again keeps its process and the requests it holds.
    /// </summary>
    public HealthDecision OnProbe(ReplicaHealthState state, HeartbeatResult result, bool upInRing, DateTimeOffset now)
    {
        if (state.Health == ReplicaHealth.Restarting)
        {
            return new(state, HealthAction.None);
        }

        if (result == HeartbeatResult.Alive)
        {
            var health = state.Health is ReplicaHealth.Suspect or ReplicaHealth.Starting or ReplicaHealth.Dead ? ReplicaHealth.Healthy : state.Health;
            var streak = state.CrashStreak;
            if (streak > 0 && now - state.HealthySince > options.StableAfter)
            {
                streak = 0;
                health = ReplicaHealth.Healthy;
            }

            return new(state with { Health = health, Failures = 0, CrashStreak = streak, UnresponsiveSince = null }, HealthAction.None);
        }

        var failures = Increment(state.Failures);
        var gone = result is HeartbeatResult.Refused or HeartbeatResult.Exited;
        if (gone)
        {
            // Nothing listens on the replica's own port, or its process has ended: no need to ask again.
            failures = Math.Max(failures, options.FailuresBeforeDead);
        }

        var unresponsiveSince = state.UnresponsiveSince ?? now;
        var failing = state with { Failures = failures, UnresponsiveSince = unresponsiveSince };
        if (failures < options.FailuresBeforeDead && upInRing)
        {
            return new(failing with { Health = ReplicaHealth.Suspect }, HealthAction.None);
        }

        var due = (gone || now - unresponsiveSince >= options.DeadAfter) && now >= state.NextRestart;
        if (upInRing)
        {
            var dead = failing with { Health = state.Health == ReplicaHealth.Failed ? ReplicaHealth.Failed : ReplicaHealth.Dead };
            return new(dead, due ? HealthAction.MarkDownAndReplace : HealthAction.MarkDown);
        }

        return new(failing, due ? HealthAction.Replace : HealthAction.None);
    }

    /// <summary>A gateway saw the replica fail: a healthy one becomes suspect (the manager probes it at once).</summary>
    public ReplicaHealthState OnSuspectReport(ReplicaHealthState state) =>
        state.Health == ReplicaHealth.Healthy ? state with { Health = ReplicaHealth.Suspect } : state;

    public ReplicaHealthState OnReplacing(ReplicaHealthState state, DateTimeOffset now)
    {
        var streak = Increment(state.CrashStreak);
        return state with { Health = ReplicaHealth.Restarting, CrashStreak = streak, NextRestart = now + Backoff(streak) };
    }

    public ReplicaHealthState OnReplaced(ReplicaHealthState state, DateTimeOffset now) =>
        state with
        {
            Health = KeepsDying(state) ? ReplicaHealth.Failed : ReplicaHealth.Healthy,
            Failures = 0,
            Restarts = Increment(state.Restarts),
            HealthySince = now,
            UnresponsiveSince = null,
        };

    /// <summary>The replacement did not start; the next probe asks again once <see cref="ReplicaHealthState.NextRestart"/> has passed.</summary>
    public ReplicaHealthState OnReplaceFailed(ReplicaHealthState state, DateTimeOffset now) =>
        state with { Health = KeepsDying(state) ? ReplicaHealth.Failed : ReplicaHealth.Dead };

    /// <summary>The wait before the next replacement: the first is immediate; then 1 s, 2 s, 4 s … up to <see cref="ReplicaOptions.MaxRestartBackoff"/>.</summary>
    public TimeSpan Backoff(int crashStreak)
    {
        if (crashStreak <= 1)
        {
            return TimeSpan.Zero;
        }

        var backoff = TimeSpan.FromSeconds(1L << Math.Min(crashStreak - 2, MaxBackoffExponent));
        return backoff < options.MaxRestartBackoff ? backoff : options.MaxRestartBackoff;
    }

    /// <summary>A replica nobody here may replace: it comes back healthy when it answers, and is only ever marked.</summary>
    private static HealthDecision NotReplaced(ReplicaHealthState health, HealthAction action, HeartbeatResult result) => new(
        result == HeartbeatResult.Alive && health.Health is ReplicaHealth.Dead or ReplicaHealth.Failed ? health with { Health = ReplicaHealth.Healthy } : health,
        action switch
        {
            HealthAction.MarkDownAndReplace => HealthAction.MarkDown,
            HealthAction.Replace => HealthAction.None,
            _ => action,
        });

    private bool KeepsDying(ReplicaHealthState state) => state.CrashStreak >= options.FailedAfterRestarts;

    private static int Increment(int count) => count == int.MaxValue ? count : count + 1;
}
