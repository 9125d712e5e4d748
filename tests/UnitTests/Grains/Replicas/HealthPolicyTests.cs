using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.UnitTests.Grains.Replicas;

/// <summary>The replica health rules: each rule by example, then invariants over random sequences of events.</summary>
public sealed class HealthPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ReplicaOptions Defaults = new();

    private readonly HealthPolicy _policy = new(Defaults);

    [Fact]
    public void A_started_replica_is_healthy_with_nothing_counted_and_no_wait()
    {
        Assert.Equal(
            new ReplicaHealthState(ReplicaHealth.Healthy, 0, 0, 0, T0, DateTimeOffset.MinValue),
            ReplicaHealthState.Started(T0));
    }

    [Theory]
    [InlineData(ReplicaHealth.Suspect, ReplicaHealth.Healthy)]
    [InlineData(ReplicaHealth.Starting, ReplicaHealth.Healthy)]
    [InlineData(ReplicaHealth.Healthy, ReplicaHealth.Healthy)]
    [InlineData(ReplicaHealth.Dead, ReplicaHealth.Healthy)]
    [InlineData(ReplicaHealth.Failed, ReplicaHealth.Failed)]
    public void An_alive_probe_clears_the_failures_and_ends_a_suspicion_or_a_death(ReplicaHealth before, ReplicaHealth after)
    {
        var state = ReplicaHealthState.Started(T0) with { Health = before, Failures = 1, UnresponsiveSince = T0 };

        var decision = _policy.OnProbe(state, HeartbeatResult.Alive, upInRing: true, T0.AddSeconds(1));

        Assert.Equal(new HealthDecision(state with { Health = after, Failures = 0, UnresponsiveSince = null }, HealthAction.None), decision);
    }

    [Theory]
    [InlineData(ReplicaHealth.Failed)]
    [InlineData(ReplicaHealth.Dead)]
    [InlineData(ReplicaHealth.Suspect)]
    public void Alive_for_longer_than_StableAfter_since_the_last_restart_ends_the_crash_streak(ReplicaHealth before)
    {
        var state = ReplicaHealthState.Started(T0) with { Health = before, CrashStreak = 7, Restarts = 7 };

        var atTheLimit = _policy.OnProbe(state, HeartbeatResult.Alive, upInRing: true, T0 + Defaults.StableAfter);
        var past = _policy.OnProbe(state, HeartbeatResult.Alive, upInRing: true, T0 + Defaults.StableAfter + TimeSpan.FromTicks(1));

        Assert.Equal(7, atTheLimit.State.CrashStreak);
        Assert.Equal(new HealthDecision(state with { Health = ReplicaHealth.Healthy, CrashStreak = 0 }, HealthAction.None), past);
    }

    [Fact]
    public void A_failed_probe_below_the_threshold_makes_a_replica_in_the_ring_suspect()
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 3 });
        var state = ReplicaHealthState.Started(T0);

        var first = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0);
        var second = policy.OnProbe(first.State, HeartbeatResult.Failed, upInRing: true, T0.AddSeconds(1));

        Assert.Equal(new HealthDecision(state with { Health = ReplicaHealth.Suspect, Failures = 1, UnresponsiveSince = T0 }, HealthAction.None), first);
        Assert.Equal(new HealthDecision(state with { Health = ReplicaHealth.Suspect, Failures = 2, UnresponsiveSince = T0 }, HealthAction.None), second);
    }

    [Fact]
    public void FailuresBeforeDead_failed_probes_in_a_row_mark_the_replica_down_without_replacing_it()
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 3 });
        var state = ReplicaHealthState.Started(T0);
        for (var i = 0; i < 2; i++)
        {
            state = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0).State;
        }

        var decision = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0);

        Assert.Equal(new HealthDecision(state with { Health = ReplicaHealth.Dead, Failures = 3 }, HealthAction.MarkDown), decision);
        Assert.Equal(T0, decision.State.UnresponsiveSince);
    }

    [Fact]
    public void An_alive_probe_between_failures_starts_the_count_again()
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 2 });
        var state = ReplicaHealthState.Started(T0);

        state = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0).State;
        state = policy.OnProbe(state, HeartbeatResult.Alive, upInRing: true, T0).State;
        var decision = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0);

        Assert.Equal(HealthAction.None, decision.Action);
        Assert.Equal(ReplicaHealth.Suspect, decision.State.Health);
    }

    [Theory]
    [InlineData(HeartbeatResult.Refused)]
    [InlineData(HeartbeatResult.Exited)]
    public void One_refused_probe_or_an_exited_process_counts_as_FailuresBeforeDead_and_replaces_at_once(HeartbeatResult result)
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 4 });

        var decision = policy.OnProbe(ReplicaHealthState.Started(T0), result, upInRing: true, T0);

        Assert.Equal(HealthAction.MarkDownAndReplace, decision.Action);
        Assert.Equal(ReplicaHealth.Dead, decision.State.Health);
        Assert.Equal(4, decision.State.Failures);
    }

    [Fact]
    public void A_refused_probe_past_the_threshold_still_counts_one_more()
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 2 });
        var state = ReplicaHealthState.Started(T0) with { Failures = 5 };

        Assert.Equal(6, policy.OnProbe(state, HeartbeatResult.Refused, upInRing: false, T0).State.Failures);
    }

    [Fact]
    public void A_dead_replica_in_the_ring_is_only_marked_down_until_its_backoff_has_passed()
    {
        var state = ReplicaHealthState.Started(T0) with { CrashStreak = 3, NextRestart = T0.AddSeconds(2) };

        var early = _policy.OnProbe(state, HeartbeatResult.Refused, upInRing: true, T0.AddSeconds(1));
        var due = _policy.OnProbe(state, HeartbeatResult.Refused, upInRing: true, T0.AddSeconds(2));

        Assert.Equal(HealthAction.MarkDown, early.Action);
        Assert.Equal(ReplicaHealth.Dead, early.State.Health);
        Assert.Equal(HealthAction.MarkDownAndReplace, due.Action);
    }

    [Fact]
    public void A_failed_replica_marked_down_stays_failed()
    {
        var state = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Failed, CrashStreak = 5 };

        var decision = _policy.OnProbe(state, HeartbeatResult.Refused, upInRing: true, T0);

        Assert.Equal(HealthAction.MarkDownAndReplace, decision.Action);
        Assert.Equal(ReplicaHealth.Failed, decision.State.Health);
    }

    [Theory]
    [InlineData(HeartbeatResult.Refused)]
    [InlineData(HeartbeatResult.Exited)]
    public void A_gone_replica_already_down_in_the_ring_is_replaced_once_its_backoff_has_passed(HeartbeatResult result)
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 3 });
        var state = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead, CrashStreak = 2, NextRestart = T0.AddSeconds(1), UnresponsiveSince = T0 };

        var early = policy.OnProbe(state, result, upInRing: false, T0);
        var due = policy.OnProbe(state, result, upInRing: false, T0.AddSeconds(1));

        Assert.Equal(new HealthDecision(state with { Failures = early.State.Failures }, HealthAction.None), early);
        Assert.Equal(new HealthDecision(state with { Failures = due.State.Failures }, HealthAction.Replace), due);
        Assert.True(due.State.Failures >= 1);
    }

    [Fact]
    public void A_replica_that_stops_answering_is_marked_down_at_once_and_replaced_only_after_DeadAfter()
    {
        var policy = new HealthPolicy(new ReplicaOptions { FailuresBeforeDead = 2, DeadAfter = TimeSpan.FromSeconds(30) });
        var state = ReplicaHealthState.Started(T0);

        var first = policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0);
        var down = policy.OnProbe(first.State, HeartbeatResult.Failed, upInRing: true, T0.AddSeconds(1));
        var stillWaiting = policy.OnProbe(down.State, HeartbeatResult.Failed, upInRing: false, T0.AddSeconds(30) - TimeSpan.FromTicks(1));
        var replaced = policy.OnProbe(stillWaiting.State, HeartbeatResult.Failed, upInRing: false, T0.AddSeconds(30));

        Assert.Equal((ReplicaHealth.Suspect, HealthAction.None), (first.State.Health, first.Action));
        Assert.Equal((ReplicaHealth.Dead, HealthAction.MarkDown), (down.State.Health, down.Action));
        Assert.Equal((ReplicaHealth.Dead, HealthAction.None), (stillWaiting.State.Health, stillWaiting.Action));
        Assert.Equal((ReplicaHealth.Dead, HealthAction.Replace, T0), (replaced.State.Health, replaced.Action, replaced.State.UnresponsiveSince));
    }

    [Fact]
    public void A_replica_still_up_in_the_ring_past_DeadAfter_is_marked_down_and_replaced_in_one_step()
    {
        var state = ReplicaHealthState.Started(T0) with { Failures = 1, UnresponsiveSince = T0 };

        var decision = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0 + Defaults.DeadAfter);

        Assert.Equal(HealthAction.MarkDownAndReplace, decision.Action);
    }

    [Fact]
    public void An_answer_before_DeadAfter_starts_the_wait_again_with_the_next_failure()
    {
        var state = ReplicaHealthState.Started(T0);
        state = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0).State;
        state = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0.AddSeconds(1)).State;
        state = _policy.OnProbe(state, HeartbeatResult.Alive, upInRing: false, T0.AddSeconds(20)).State;
        state = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0.AddSeconds(25)).State;

        var decision = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: true, T0 + Defaults.DeadAfter + TimeSpan.FromSeconds(1));

        Assert.Equal(T0.AddSeconds(25), decision.State.UnresponsiveSince);
        Assert.Equal(HealthAction.MarkDown, decision.Action);
    }

    [Fact]
    public void A_replica_unresponsive_past_DeadAfter_still_waits_for_its_backoff()
    {
        var state = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead, Failures = 9, CrashStreak = 3, UnresponsiveSince = T0, NextRestart = T0.AddMinutes(5) };

        var early = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: false, T0.AddMinutes(4));
        var due = _policy.OnProbe(state, HeartbeatResult.Failed, upInRing: false, T0.AddMinutes(5));

        Assert.Equal((HealthAction.None, HealthAction.Replace), (early.Action, due.Action));
    }

    [Theory]
    [InlineData(HeartbeatResult.Alive, true)]
    [InlineData(HeartbeatResult.Failed, true)]
    [InlineData(HeartbeatResult.Refused, true)]
    [InlineData(HeartbeatResult.Refused, false)]
    public void A_probe_while_restarting_changes_nothing(HeartbeatResult result, bool upInRing)
    {
        var state = _policy.OnReplacing(ReplicaHealthState.Started(T0) with { Failures = 2 }, T0);

        var decision = _policy.OnProbe(state, result, upInRing, T0.AddHours(1));

        Assert.Equal(new HealthDecision(state, HealthAction.None), decision);
    }

    [Theory]
    [InlineData(HeartbeatResult.Failed)]
    [InlineData(HeartbeatResult.Refused)]
    [InlineData(HeartbeatResult.Exited)]
    public void Failures_saturate_instead_of_overflowing(HeartbeatResult result)
    {
        var state = ReplicaHealthState.Started(T0) with { Failures = int.MaxValue };

        Assert.Equal(int.MaxValue, _policy.OnProbe(state, result, upInRing: true, T0).State.Failures);
    }

    [Theory]
    [InlineData(ReplicaHealth.Healthy, ReplicaHealth.Suspect)]
    [InlineData(ReplicaHealth.Starting, ReplicaHealth.Starting)]
    [InlineData(ReplicaHealth.Suspect, ReplicaHealth.Suspect)]
    [InlineData(ReplicaHealth.Dead, ReplicaHealth.Dead)]
    [InlineData(ReplicaHealth.Restarting, ReplicaHealth.Restarting)]
    [InlineData(ReplicaHealth.Failed, ReplicaHealth.Failed)]
    public void A_gateway_report_makes_only_a_healthy_replica_suspect(ReplicaHealth before, ReplicaHealth after)
    {
        var state = ReplicaHealthState.Started(T0) with { Health = before, Failures = 1 };

        Assert.Equal(state with { Health = after }, _policy.OnSuspectReport(state));
    }

    [Fact]
    public void Replacing_counts_the_crash_and_sets_the_earliest_next_replacement()
    {
        var state = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead, CrashStreak = 3, Failures = 2 };

        var replacing = _policy.OnReplacing(state, T0.AddMinutes(1));

        Assert.Equal(state with { Health = ReplicaHealth.Restarting, CrashStreak = 4, NextRestart = T0.AddMinutes(1).AddSeconds(4) }, replacing);
    }

    [Fact]
    public void A_first_replacement_may_be_followed_by_another_at_once()
    {
        var replacing = _policy.OnReplacing(ReplicaHealthState.Started(T0), T0);

        Assert.Equal(T0, replacing.NextRestart);
    }

    [Theory]
    [InlineData(1, ReplicaHealth.Healthy)]
    [InlineData(4, ReplicaHealth.Healthy)]
    [InlineData(5, ReplicaHealth.Failed)]
    [InlineData(9, ReplicaHealth.Failed)]
    public void A_replacement_that_started_is_healthy_unless_the_replica_keeps_dying(int crashStreak, ReplicaHealth health)
    {
        var state = ReplicaHealthState.Started(T0) with
        {
            Health = ReplicaHealth.Restarting, Failures = 3, Restarts = 6, CrashStreak = crashStreak, NextRestart = T0.AddSeconds(8), UnresponsiveSince = T0,
        };

        var replaced = _policy.OnReplaced(state, T0.AddSeconds(2));

        Assert.Equal(state with { Health = health, Failures = 0, Restarts = 7, HealthySince = T0.AddSeconds(2), UnresponsiveSince = null }, replaced);
    }

    [Theory]
    [InlineData(1, ReplicaHealth.Dead)]
    [InlineData(4, ReplicaHealth.Dead)]
    [InlineData(5, ReplicaHealth.Failed)]
    public void A_replacement_that_did_not_start_leaves_the_replica_dead_or_failed(int crashStreak, ReplicaHealth health)
    {
        var state = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Restarting, Failures = 3, Restarts = 2, CrashStreak = crashStreak };

        Assert.Equal(state with { Health = health }, _policy.OnReplaceFailed(state, T0.AddSeconds(2)));
    }

    [Fact]
    public void Counters_saturate_instead_of_overflowing()
    {
        var state = ReplicaHealthState.Started(T0) with { Restarts = int.MaxValue, CrashStreak = int.MaxValue };

        var replacing = _policy.OnReplacing(state, T0);
        var replaced = _policy.OnReplaced(replacing, T0);

        Assert.Equal(int.MaxValue, replacing.CrashStreak);
        Assert.Equal(T0 + Defaults.MaxRestartBackoff, replacing.NextRestart);
        Assert.Equal(int.MaxValue, replaced.Restarts);
    }

    [Theory]
    [InlineData(int.MinValue, 0)]
    [InlineData(-1, 0)]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    [InlineData(6, 16)]
    [InlineData(7, 30)]
    [InlineData(64, 30)]
    [InlineData(int.MaxValue, 30)]
    public void The_backoff_doubles_from_one_second_up_to_MaxRestartBackoff(int crashStreak, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), _policy.Backoff(crashStreak));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    [InlineData(3_600_000)]
    public void The_backoff_never_exceeds_MaxRestartBackoff_and_never_decreases(int maxMilliseconds)
    {
        var max = TimeSpan.FromMilliseconds(maxMilliseconds);
        var policy = new HealthPolicy(new ReplicaOptions { MaxRestartBackoff = max });

        var backoffs = Enumerable.Range(0, 100).Append(int.MaxValue).Select(policy.Backoff).ToList();

        Assert.All(backoffs, b => Assert.InRange(b, TimeSpan.Zero, max));
        Assert.Equal(backoffs.Order(), backoffs);
        Assert.Equal(max, backoffs[^1]);
    }

    [Fact]
    public void In_a_round_a_started_replica_that_dies_is_marked_down_and_replaced()
    {
        var verdict = _policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Refused, Started(), T0);

        Assert.Equal(new ProbeVerdict(ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead, Failures = Defaults.FailuresBeforeDead, UnresponsiveSince = T0 }, Died: true, AnswersAgain: false, MarkUp: false, Replace: true), verdict);
    }

    [Fact]
    public void In_a_round_a_started_replica_that_pauses_is_marked_down_then_up_again_and_never_replaced()
    {
        var replica = Started();
        var first = _policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Failed, replica, T0);
        var down = _policy.OnRoundProbe(first.State, HeartbeatResult.Failed, replica, T0.AddSeconds(1));
        var stillDown = _policy.OnRoundProbe(down.State, HeartbeatResult.Failed, replica with { IsUp = false }, T0.AddSeconds(4));
        var back = _policy.OnRoundProbe(stillDown.State, HeartbeatResult.Alive, replica with { IsUp = false }, T0.AddSeconds(5));

        Assert.Equal((false, null, false), (first.Died, first.MarkUp, first.Replace));
        Assert.Equal((true, false, false), (down.Died, down.MarkUp, down.Replace));
        Assert.Equal((false, null, false), (stillDown.Died, stillDown.MarkUp, stillDown.Replace));
        Assert.Equal(new ProbeVerdict(ReplicaHealthState.Started(T0), Died: false, AnswersAgain: true, MarkUp: true, Replace: false), back);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void In_a_round_external_and_draining_replicas_are_marked_down_but_never_replaced(bool external, bool draining)
    {
        var replica = Started(external, draining);

        var dies = _policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Refused, replica, T0);
        var stillDown = _policy.OnRoundProbe(dies.State, HeartbeatResult.Failed, replica with { IsUp = false }, T0.AddHours(1));

        Assert.Equal((ReplicaHealth.Dead, true, false, false), (dies.State.Health, dies.Died, dies.MarkUp, dies.Replace));
        Assert.Equal((false, null, false), (stillDown.Died, stillDown.MarkUp, stillDown.Replace));
    }

    [Theory]
    [InlineData(ReplicaHealth.Dead)]
    [InlineData(ReplicaHealth.Failed)]
    public void In_a_round_an_external_replica_that_answers_again_is_healthy_and_marked_up(ReplicaHealth before)
    {
        var state = ReplicaHealthState.Started(T0) with { Health = before, Failures = 5 };

        var verdict = _policy.OnRoundProbe(state, HeartbeatResult.Alive, Started(external: true) with { IsUp = false }, T0);

        Assert.Equal(new ProbeVerdict(state with { Health = ReplicaHealth.Healthy, Failures = 0 }, Died: false, AnswersAgain: true, MarkUp: true, Replace: false), verdict);
    }

    [Fact]
    public void In_a_round_a_started_replica_down_in_the_ring_that_answers_is_marked_up_and_healthy_unless_it_keeps_dying()
    {
        var dead = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead, Failures = 5, UnresponsiveSince = T0 };
        var failed = dead with { Health = ReplicaHealth.Failed };

        var verdict = _policy.OnRoundProbe(dead, HeartbeatResult.Alive, Started() with { IsUp = false }, T0);
        var stillFailed = _policy.OnRoundProbe(failed, HeartbeatResult.Alive, Started() with { IsUp = false }, T0);

        Assert.Equal(new ProbeVerdict(dead with { Health = ReplicaHealth.Healthy, Failures = 0, UnresponsiveSince = null }, Died: false, AnswersAgain: true, MarkUp: true, Replace: false), verdict);
        Assert.Equal((ReplicaHealth.Failed, true), (stillFailed.State.Health, stillFailed.MarkUp));
    }

    [Fact]
    public void With_ReplaceWithNewName_a_replaced_replica_is_never_marked_but_one_never_replaced_still_is()
    {
        var policy = new HealthPolicy(new ReplicaOptions { ReplaceWithNewName = true });
        var dead = ReplicaHealthState.Started(T0) with { Health = ReplicaHealth.Dead };

        var replaced = policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Refused, Started(), T0);
        var answers = policy.OnRoundProbe(dead, HeartbeatResult.Alive, Started() with { IsUp = false }, T0);
        var external = policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Refused, Started(external: true), T0);
        var draining = policy.OnRoundProbe(dead, HeartbeatResult.Alive, Started(draining: true) with { IsUp = false }, T0);

        Assert.Equal((true, null, true), (replaced.Died, replaced.MarkUp, replaced.Replace));
        Assert.Equal((true, null), (answers.AnswersAgain, answers.MarkUp));
        Assert.Equal((true, false, false), (external.Died, external.MarkUp, external.Replace));
        Assert.Equal((true, true), (draining.AnswersAgain, draining.MarkUp));
    }

    [Fact]
    public void In_a_round_a_healthy_replica_that_answers_is_left_as_it_is()
    {
        var verdict = _policy.OnRoundProbe(ReplicaHealthState.Started(T0), HeartbeatResult.Alive, Started(), T0);

        Assert.Equal(new ProbeVerdict(ReplicaHealthState.Started(T0), Died: false, AnswersAgain: false, MarkUp: null, Replace: false), verdict);
    }

    /// <summary>
    /// Random sequences of probes, gateway reports and replacements, driven as the manager drives them (an action to
    /// replace starts a replacement; the ring follows the mark-downs), with random settings and a clock that jumps
    /// forward by random steps. Every step checks what must always hold; a failure names its seed and step.
    /// </summary>
    [Fact]
    public void Random_sequences_keep_every_invariant()
    {
        for (var seed = 0; seed < 500; seed++)
        {
            new Sequence(seed).Run(events: 200);
        }
    }

    private static ReplicaRecord Started(bool external = false, bool draining = false) =>
        new("api-1", "http://127.0.0.1:5001", external ? ExternalReplicas.RuntimeId : "process-1", IsUp: true, Draining: draining);

    private sealed class Sequence
    {
        private readonly int _seed;
        private readonly Random _random;
        private readonly ReplicaOptions _options;
        private readonly HealthPolicy _policy;
        private readonly List<string> _log = [];

        private ReplicaHealthState _state;
        private DateTimeOffset _now = T0;
        private int _step;
        private bool _upInRing = true;

        // Kept by the test itself, not read from the state: failed probes since the last alive probe or restart.
        private int _failedInRow;
        private bool _refusedInRow;
        private DateTimeOffset? _unresponsiveSince;

        public Sequence(int seed)
        {
            _seed = seed;
            _random = new Random(seed);
            _options = new ReplicaOptions
            {
                FailuresBeforeDead = _random.Next(1, 5),
                FailedAfterRestarts = _random.Next(1, 7),
                MaxRestartBackoff = TimeSpan.FromSeconds(_random.Next(0, 61)),
                StableAfter = TimeSpan.FromSeconds(_random.Next(1, 91)),
                DeadAfter = TimeSpan.FromSeconds(_random.Next(1, 121)),
            };
            _policy = new HealthPolicy(_options);
            _state = ReplicaHealthState.Started(_now);
        }

        public void Run(int events)
        {
            for (_step = 0; _step < events; _step++)
            {
                // Mostly probe-interval steps, now and then a long pause.
                _now += _random.Next(10) == 0 ? TimeSpan.FromSeconds(_random.Next(60, 300)) : TimeSpan.FromMilliseconds(_random.Next(0, 5_000));
                var before = _state;
                var roll = _random.Next(100);
                if (_state.Health == ReplicaHealth.Restarting && roll < 40)
                {
                    Finish(replaced: _random.Next(3) > 0);
                }
                else if (roll < 80)
                {
                    Probe((HeartbeatResult)_random.Next(4));
                }
                else if (roll < 90)
                {
                    _log.Add("suspect report");
                    _state = _policy.OnSuspectReport(_state);
                    Check(_state == before || (before.Health == ReplicaHealth.Healthy && _state == before with { Health = ReplicaHealth.Suspect }),
                        "a gateway report only turns Healthy into Suspect");
                }
                else if (roll < 95 && _state.Health != ReplicaHealth.Restarting)
                {
                    // A replacement the probes did not ask for (e.g. a vanished replica respawned).
                    _upInRing = false;
                    Replace();
                }
                else
                {
                    // The ring changed under the policy (a reconcile marked the replica up or down).
                    _upInRing = !_upInRing;
                    _log.Add($"ring: up = {_upInRing}");
                }

                Check(_state.Failures >= 0 && _state.Restarts >= 0 && _state.CrashStreak >= 0, "no counter is negative");
                Check(_state.Restarts >= before.Restarts, "restarts never decrease");
            }
        }

        private void Probe(HeartbeatResult result)
        {
            var before = _state;
            var decision = _policy.OnProbe(_state, result, _upInRing, _now);
            _log.Add($"probe {result}, up {_upInRing}: {decision.Action}, {decision.State}");
            _state = decision.State;
            var action = decision.Action;

            if (before.Health == ReplicaHealth.Restarting)
            {
                Check(decision == new HealthDecision(before, HealthAction.None), "a probe while restarting changes nothing");
                return;
            }

            Check(_state.Restarts == before.Restarts && _state.NextRestart == before.NextRestart && _state.HealthySince == before.HealthySince,
                "a probe changes neither the restarts nor the times");
            Check(_state.Health is not (ReplicaHealth.Restarting or ReplicaHealth.Starting), "a probe never makes a replica restarting or starting");
            if (result == HeartbeatResult.Alive)
            {
                _failedInRow = 0;
                _refusedInRow = false;
                _unresponsiveSince = null;
                Check(action == HealthAction.None && _state.Failures == 0 && _state.UnresponsiveSince is null, "an alive probe clears the failures and asks for nothing");
                Check(_state.Health is not (ReplicaHealth.Suspect or ReplicaHealth.Dead), "an alive probe ends a suspicion or a death");
                Check(_state.CrashStreak == before.CrashStreak || _state.CrashStreak == 0, "only a stable period resets the crash streak");
                Check((_state.CrashStreak == 0 && before.CrashStreak > 0) == (before.CrashStreak > 0 && _now - before.HealthySince > _options.StableAfter),
                    "the crash streak resets exactly after StableAfter");
                return;
            }

            _failedInRow++;
            var gone = result is HeartbeatResult.Refused or HeartbeatResult.Exited;
            _refusedInRow |= gone;
            _unresponsiveSince ??= _now;
            var dead = _failedInRow >= _options.FailuresBeforeDead || _refusedInRow;
            var replaceable = gone || _now - _unresponsiveSince >= _options.DeadAfter;
            var marksDown = action is HealthAction.MarkDown or HealthAction.MarkDownAndReplace;
            var replaces = action is HealthAction.Replace or HealthAction.MarkDownAndReplace;
            Check(_state.CrashStreak == before.CrashStreak, "a failed probe leaves the crash streak");
            Check(_state.Failures >= _failedInRow, "every failed probe in a row is counted");
            Check(!marksDown || _upInRing, "only a replica up in the ring is marked down");
            Check(!(action == HealthAction.Replace) || !_upInRing, "a replica up in the ring is marked down before it is replaced");
            Check(marksDown == (_upInRing && dead), "a replica up in the ring is marked down exactly after FailuresBeforeDead failures in a row or one refusal");
            Check(!replaces || _now >= before.NextRestart, "no replacement before NextRestart");
            Check(_state.UnresponsiveSince == _unresponsiveSince, "the wait for DeadAfter runs from the first failed probe since the last answer or restart");
            Check(replaces == ((dead || !_upInRing) && replaceable && _now >= before.NextRestart),
                "a dead replica is replaced once it is gone or past DeadAfter, as soon as its backoff has passed");
            Check(_state.Health == (marksDown ? (before.Health == ReplicaHealth.Failed ? ReplicaHealth.Failed : ReplicaHealth.Dead)
                    : _upInRing ? ReplicaHealth.Suspect : before.Health),
                "a failed probe makes a replica up in the ring suspect, then dead; a replica out of the ring keeps its health");

            if (marksDown)
            {
                _upInRing = false;
            }

            if (replaces)
            {
                Replace();
            }
        }

        private void Replace()
        {
            var before = _state;
            _state = _policy.OnReplacing(_state, _now);
            _log.Add($"replacing: {_state}");
            var backoff = _policy.Backoff(_state.CrashStreak);
            Check(_state.Health == ReplicaHealth.Restarting, "a replacement makes the replica restarting");
            Check(_state.CrashStreak == before.CrashStreak + 1, "a replacement counts one more crash");
            Check(_state.NextRestart - _now == backoff, "the next replacement waits Backoff(streak)");
            Check(backoff <= _options.MaxRestartBackoff, "the backoff never exceeds MaxRestartBackoff");
        }

        private void Finish(bool replaced)
        {
            var before = _state;
            _state = replaced ? _policy.OnReplaced(_state, _now) : _policy.OnReplaceFailed(_state, _now);
            _log.Add($"{(replaced ? "replaced" : "replace failed")}: {_state}");
            var failed = _state.CrashStreak >= _options.FailedAfterRestarts;
            Check((_state.Health == ReplicaHealth.Failed) == failed, "Failed exactly when the crash streak reached FailedAfterRestarts");
            Check(_state.Health == (failed ? ReplicaHealth.Failed : replaced ? ReplicaHealth.Healthy : ReplicaHealth.Dead),
                "a replacement leaves the replica healthy when it started, dead when it did not");
            Check(_state.CrashStreak == before.CrashStreak && _state.NextRestart == before.NextRestart, "the outcome keeps the streak and the wait");
            if (replaced)
            {
                Check(_state.Restarts == before.Restarts + 1 && _state.Failures == 0 && _state.HealthySince == _now && _state.UnresponsiveSince is null,
                    "a started replacement counts a restart, clears the failures and is healthy since now");
                _upInRing = true;
                _failedInRow = 0;
                _refusedInRow = false;
                _unresponsiveSince = null;
            }
            else
            {
                Check(_state with { Health = before.Health } == before, "a failed replacement changes only the health");
            }
        }

        private void Check(bool condition, string invariant)
        {
            // The message only on failure: building it at every check would make the run ten times slower.
            if (!condition)
            {
                Assert.Fail($"{invariant} (seed {_seed}, event {_step}, {_options.FailuresBeforeDead} failures before dead, "
                    + $"failed after {_options.FailedAfterRestarts}):\n{string.Join('\n', _log.TakeLast(8))}");
            }
        }
    }
}
