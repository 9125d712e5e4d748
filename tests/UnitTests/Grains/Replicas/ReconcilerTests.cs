using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.UnitTests.Grains.Replicas;

/// <summary>The reconciler's plan: what to do about the ring and the running replicas disagreeing.</summary>
public sealed class ReconcilerTests
{
    private const int InputCount = 500;

    private static readonly IReadOnlySet<string> NoneBusy = new HashSet<string>(StringComparer.Ordinal);

    private static int _nextRuntimeId;

    [Fact]
    public void An_empty_ring_is_rebuilt_from_what_runs_in_order_of_addition()
    {
        var running = new[] { Run("c", 1), Run("a", 3), Run("z", 0), Run("b", 2) };

        var plan = Plan([], running, respawnMissing: false);

        var rebuild = Assert.IsType<RebuildRing>(Assert.Single(plan.Actions));
        Assert.Equal(["c", "b", "a", "z"], rebuild.Replicas.Select(i => i.Name));
        Assert.Equal(running[0], rebuild.Replicas[0]);
    }

    [Fact]
    public void A_rebuild_orders_equal_ordinals_by_name_and_unknown_ordinals_last()
    {
        var plan = Plan([], [Run("b", 0), Run("y", 5), Run("x", 5), Run("a", 0), Run("m", 1)], respawnMissing: true);

        var rebuild = Assert.IsType<RebuildRing>(Assert.Single(plan.Actions));
        Assert.Equal(["m", "x", "y", "a", "b"], rebuild.Replicas.Select(i => i.Name));
    }

    [Fact]
    public void An_empty_ring_found_by_the_periodic_check_is_rebuilt_not_emptied_of_replicas()
    {
        // The bug this replaces: the rebuild ran once per activation, so a ring that lost its state later saw strays.
        var plan = Plan([], [Run("a", 1), Run("b", 2)], respawnMissing: false);

        Assert.IsType<RebuildRing>(Assert.Single(plan.Actions));
        Assert.DoesNotContain(plan.Actions, a => a is StopStray);
    }

    [Fact]
    public void A_ring_emptied_on_purpose_is_not_rebuilt_and_what_still_runs_is_stopped()
    {
        // Every replica was removed (the ring has versions behind it), and a stop failed: that replica stays gone.
        var leftover = Run("a", 1);

        var plan = Reconciler.Plan(new ReconcileInput([], [leftover], NoneBusy, RespawnMissing: false, MaxCount: 64, RingIsNew: false));

        var stop = Assert.IsType<StopStray>(Assert.Single(plan.Actions));
        Assert.Equal(leftover, stop.Instance);
    }

    [Fact]
    public void An_empty_ring_while_only_busy_replicas_run_is_left_alone()
    {
        var plan = Plan([], [Run("a", 1), Run("b", 2)], respawnMissing: true, busy: ["a", "b"]);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void A_rebuild_leaves_busy_names_out_and_stops_replicas_without_an_address()
    {
        var dead = Run("c", 3, address: "");

        var plan = Plan([], [Run("a", 1), Run("b", 2), dead], respawnMissing: true, busy: ["b"]);

        Assert.Collection(
            plan.Actions,
            a => Assert.Equal(["a"], Assert.IsType<RebuildRing>(a).Replicas.Select(i => i.Name)),
            a => Assert.Equal(dead, Assert.IsType<StopStray>(a).Instance));
    }

    [Fact]
    public void A_rebuild_keeps_the_earliest_copy_of_a_name_and_stops_the_others()
    {
        var early = Run("a", 2);
        var late = Run("a", 7);
        var unknown = Run("a", 0);

        var plan = Plan([], [unknown, late, early], respawnMissing: true);

        Assert.Equal([early], Assert.IsType<RebuildRing>(plan.Actions[0]).Replicas);
        Assert.Equal([late, unknown], plan.Actions.Skip(1).Select(a => Assert.IsType<StopStray>(a).Instance).OrderBy(i => i.Ordinal == 0));
    }

    [Fact]
    public void A_rebuild_takes_at_most_the_maximum_and_stops_the_rest()
    {
        var running = Enumerable.Range(1, 5).Select(n => Run($"r{n}", n)).ToList();

        var plan = Plan([], running, respawnMissing: true, maxCount: 3);

        Assert.Equal(running.Take(3), Assert.IsType<RebuildRing>(plan.Actions[0]).Replicas);
        Assert.Equal(running.Skip(3), plan.Actions.Skip(1).Select(a => Assert.IsType<StopStray>(a).Instance));
    }

    [Fact]
    public void A_member_running_at_a_new_address_is_adopted()
    {
        var moved = Run("a", 1, address: "http://new:1");

        var plan = Plan([Record("a", "http://old:1", "old")], [moved], respawnMissing: false);

        Assert.Equal(moved, Assert.IsType<Adopt>(Assert.Single(plan.Actions)).Instance);
    }

    [Fact]
    public void A_member_running_where_the_ring_says_needs_nothing()
    {
        var running = Run("a", 1);

        Assert.True(Plan([running.ToRecord()], [running], respawnMissing: true).IsEmpty);
    }

    [Fact]
    public void A_member_marked_down_that_runs_is_adopted_as_up_on_activation_only()
    {
        var running = Run("a", 1);
        ReplicaRecord[] ring = [running.ToRecord(isUp: false)];

        Assert.True(Plan(ring, [running], respawnMissing: false).IsEmpty);
        Assert.Equal(running, Assert.IsType<Adopt>(Assert.Single(Plan(ring, [running], respawnMissing: true).Actions)).Instance);
    }

    [Fact]
    public void Of_copies_of_a_member_the_rings_own_is_kept_and_the_others_stopped()
    {
        var own = Run("a", 9);
        var earlier = Run("a", 1);

        var plan = Plan([own.ToRecord()], [earlier, own], respawnMissing: true);

        Assert.Equal(earlier, Assert.IsType<StopStray>(Assert.Single(plan.Actions)).Instance);
    }

    [Fact]
    public void Of_copies_the_ring_does_not_know_the_earliest_added_is_adopted()
    {
        var early = Run("a", 2);
        var unknown = Run("a", 0);
        var late = Run("a", 5);

        var plan = Plan([Record("a", "http://gone:1", "gone")], [unknown, late, early], respawnMissing: false);

        Assert.Equal(early, Assert.IsType<Adopt>(plan.Actions[0]).Instance);
        Assert.Equal([late, unknown], plan.Actions.Skip(1).Select(a => Assert.IsType<StopStray>(a).Instance).OrderBy(i => i.Ordinal == 0));
    }

    [Fact]
    public void A_replica_not_in_the_ring_is_stopped()
    {
        var member = Run("a", 1);
        var stray = Run("b", 2);

        var plan = Plan([member.ToRecord()], [member, stray], respawnMissing: false);

        var stop = Assert.IsType<StopStray>(Assert.Single(plan.Actions));
        Assert.Equal(stray, stop.Instance);
        Assert.Equal("not in the ring", stop.Reason);
        Assert.True(stop.Drain, "a usable replica whose name left the ring may still hold requests: drained first");
    }

    [Fact]
    public void A_missing_member_is_respawned_on_activation_and_left_to_the_health_loop_otherwise()
    {
        ReplicaRecord[] ring = [Record("a", "http://a:1", "1"), Record("b", "http://b:1", "2")];
        var b = new ReplicaInstance("b", "http://b:1", "2", 2);

        Assert.True(Plan(ring, [b], respawnMissing: false).IsEmpty);
        Assert.Equal("a", Assert.IsType<Respawn>(Assert.Single(Plan(ring, [b], respawnMissing: true).Actions)).Name);
    }

    [Fact]
    public void A_member_without_an_address_counts_as_missing_and_is_stopped_before_its_respawn()
    {
        var exited = Run("a", 1, address: "");
        ReplicaRecord[] ring = [Record("a", "http://a:1", exited.RuntimeId)];

        Assert.Equal(exited, Assert.IsType<StopStray>(Assert.Single(Plan(ring, [exited], respawnMissing: false).Actions)).Instance);
        Assert.Collection(
            Plan(ring, [exited], respawnMissing: true).Actions,
            a => Assert.Equal(exited, Assert.IsType<StopStray>(a).Instance),
            a => Assert.Equal("a", Assert.IsType<Respawn>(a).Name));
    }

    [Fact]
    public void Busy_names_are_neither_adopted_respawned_nor_stopped()
    {
        ReplicaRecord[] ring = [Record("a", "http://old:1", "old"), Record("b", "http://b:1", "b")];

        var plan = Plan(ring, [Run("a", 1), Run("c", 2)], respawnMissing: true, busy: ["a", "b", "c"]);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Actions_come_adoptions_first_in_ring_order_then_stops_by_name_then_respawns_in_ring_order()
    {
        ReplicaRecord[] ring = [Record("m", "", "x"), Record("d", "", "x"), Record("z", "", "x"), Record("e", "", "x"), Record("y", "", "x")];
        var z = Run("z", 1);
        var m = Run("m", 2);
        var strayB = Run("b", 3);
        var strayA = Run("a", 4);

        var plan = Plan(ring, [strayB, z, strayA, m], respawnMissing: true);

        Assert.Equal(
            ["Adopt m", "Adopt z", "StopStray a", "StopStray b", "Respawn d", "Respawn e", "Respawn y"],
            plan.Actions.Select(Describe));
    }

    [Fact]
    public void The_same_instance_listed_twice_is_kept_once_and_not_stopped()
    {
        var a = Run("a", 1);

        Assert.True(Plan([a.ToRecord()], [a, a], respawnMissing: true).IsEmpty);
        Assert.Equal([a], Assert.IsType<RebuildRing>(Assert.Single(Plan([], [a, a], respawnMissing: true).Actions)).Replicas);
    }

    [Fact]
    public void Random_plans_leave_busy_names_alone()
    {
        foreach (var input in RandomInputs())
        {
            var plan = Reconciler.Plan(input);

            Assert.DoesNotContain(plan.Actions.SelectMany(NamesOf), input.Busy.Contains);
        }
    }

    [Fact]
    public void Random_plans_keep_or_stop_every_idle_instance_never_both()
    {
        foreach (var input in RandomInputs())
        {
            var plan = Reconciler.Plan(input);
            var stopped = plan.Actions.OfType<StopStray>().Select(s => s.Instance).ToList();
            var kept = plan.Actions.OfType<RebuildRing>().SelectMany(r => r.Replicas)
                .Concat(plan.Actions.OfType<Adopt>().Select(a => a.Instance))
                .ToList();

            Assert.Equal(stopped.Count, stopped.Distinct().Count());
            Assert.Empty(kept.Intersect(stopped));

            // Kept without an action: what the ring already points at.
            var after = Model.Of(input).Apply(plan);
            foreach (var instance in input.Running.Distinct().Where(i => !input.Busy.Contains(i.Name)))
            {
                var record = after.Ring.SingleOrDefault(r => r.Name == instance.Name);
                var pointedAt = record is not null && ReplicaInstance.Of(record) == instance with { Ordinal = 0 } && instance.Address.Length > 0;
                Assert.True(pointedAt ^ stopped.Contains(instance), $"{instance} is {(pointedAt ? "both kept and stopped" : "neither kept nor stopped")}");
            }
        }
    }

    [Fact]
    public void Random_plans_never_respawn_and_adopt_one_name()
    {
        foreach (var input in RandomInputs())
        {
            var plan = Reconciler.Plan(input);
            var respawned = plan.Actions.OfType<Respawn>().Select(r => r.Name).ToList();

            Assert.Equal(respawned.Count, respawned.Distinct(StringComparer.Ordinal).Count());
            Assert.Empty(respawned.Intersect(plan.Actions.OfType<Adopt>().Select(a => a.Instance.Name), StringComparer.Ordinal));
            Assert.All(respawned, name => Assert.Contains(input.Ring, r => r.Name == name));
            Assert.True(input.RespawnMissing || respawned.Count == 0);
        }
    }

    [Fact]
    public void Random_plans_on_activation_are_idempotent()
    {
        foreach (var input in RandomInputs().Select(i => i with { RespawnMissing = true }))
        {
            var after = Model.Of(input).Apply(Reconciler.Plan(input));

            var again = Reconciler.Plan(input with { Ring = after.Ring, Running = after.Running });

            Assert.True(again.IsEmpty, $"Second plan not empty: {string.Join(", ", again.Actions.Select(Describe))}");
        }
    }

    [Fact]
    public void Random_periodic_plans_are_idempotent()
    {
        foreach (var input in RandomInputs().Select(i => i with { RespawnMissing = false }))
        {
            var after = Model.Of(input).Apply(Reconciler.Plan(input));

            Assert.True(Reconciler.Plan(input with { Ring = after.Ring, Running = after.Running }).IsEmpty);
        }
    }

    [Fact]
    public void Random_rebuilds_happen_only_for_an_empty_ring_and_keep_the_order_of_addition()
    {
        var rebuilds = 0;
        foreach (var input in RandomInputs())
        {
            var plan = Reconciler.Plan(input);
            var rebuild = plan.Actions.OfType<RebuildRing>().SingleOrDefault();
            var usable = input.Running.Any(i => i.Address.Length > 0 && !input.Busy.Contains(i.Name));
            Assert.Equal(input.Ring.Count == 0 && usable && input.MaxCount > 0, rebuild is not null);
            if (rebuild is null)
            {
                continue;
            }

            rebuilds++;
            Assert.Same(rebuild, plan.Actions[0]);
            Assert.DoesNotContain(plan.Actions, a => a is Adopt or Respawn);
            Assert.InRange(rebuild.Replicas.Count, 1, input.MaxCount);
            Assert.Equal(rebuild.Replicas.Count, rebuild.Replicas.Select(i => i.Name).Distinct(StringComparer.Ordinal).Count());
            var ordered = rebuild.Replicas.OrderBy(i => i.Ordinal == 0 ? long.MaxValue : i.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal);
            Assert.Equal(ordered, rebuild.Replicas);

            // Each name's earliest copy; the names left out were added no earlier than the last one taken.
            foreach (var kept in rebuild.Replicas)
            {
                Assert.DoesNotContain(input.Running, i => i.Name == kept.Name && i.Address.Length > 0 && Rank(i) < Rank(kept));
            }

            var last = rebuild.Replicas[^1];
            Assert.DoesNotContain(
                input.Running.Where(i => i.Address.Length > 0 && !input.Busy.Contains(i.Name) && !rebuild.Replicas.Any(r => r.Name == i.Name)),
                i => Rank(i) < Rank(last) || (Rank(i) == Rank(last) && string.CompareOrdinal(i.Name, last.Name) < 0));
        }

        Assert.True(rebuilds > InputCount / 20, $"Only {rebuilds} random inputs rebuilt the ring");
    }

    [Fact]
    public void Random_plans_come_in_order_rebuild_adoptions_stops_respawns()
    {
        foreach (var input in RandomInputs())
        {
            var actions = Reconciler.Plan(input).Actions;

            var kinds = actions.Select(a => a switch { RebuildRing => 0, Adopt => 1, StopStray => 2, _ => 3 }).ToList();
            Assert.Equal(kinds.Order(), kinds);
            var ringOrder = input.Ring.Select(r => r.Name).ToList();
            var adopted = actions.OfType<Adopt>().Select(a => ringOrder.IndexOf(a.Instance.Name)).ToList();
            Assert.Equal(adopted.Order(), adopted);
            var respawned = actions.OfType<Respawn>().Select(r => ringOrder.IndexOf(r.Name)).ToList();
            Assert.Equal(respawned.Order(), respawned);
            var stops = actions.OfType<StopStray>().Select(s => s.Instance).ToList();
            Assert.Equal(stops.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.RuntimeId, StringComparer.Ordinal), stops);
        }
    }

    private static long Rank(ReplicaInstance instance) => instance.Ordinal == 0 ? long.MaxValue : instance.Ordinal;

    [Fact]
    public void External_replicas_are_never_respawned_adopted_or_stopped_and_a_draining_busy_replica_is_left_running()
    {
        var external = new ReplicaRecord("api-7", "http://10.0.0.7:8080", Orleans.LoadBalancer.Replicas.ExternalReplicas.RuntimeId, IsUp: false);
        var draining = Run("old", 1);

        // Respawn mode (a fresh activation) would start a ring member with nothing running: not an external one.
        var plan = Plan([external, Record("a", "http://a:1", "9")], [Run("a", 2, "http://a:1") with { RuntimeId = "9" }, draining], respawnMissing: true, busy: ["old"]);

        Assert.DoesNotContain(plan.Actions, a => NamesOf(a).Contains("api-7"));
        Assert.DoesNotContain(plan.Actions, a => NamesOf(a).Contains("old"));
    }

    private static ReconcilePlan Plan(
        IReadOnlyList<ReplicaRecord> ring, IReadOnlyList<ReplicaInstance> running, bool respawnMissing, string[]? busy = null, int maxCount = 10) =>
        Reconciler.Plan(new ReconcileInput(ring, running, busy?.ToHashSet(StringComparer.Ordinal) ?? NoneBusy, respawnMissing, maxCount));

    /// <summary>A running instance with a runtime id of its own.</summary>
    private static ReplicaInstance Run(string name, long ordinal, string? address = null)
    {
        var id = Interlocked.Increment(ref _nextRuntimeId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ReplicaInstance(name, address ?? $"http://{name}-{id}:8080", id, ordinal);
    }

    private static ReplicaRecord Record(string name, string address, string runtimeId, bool isUp = true) => new(name, address, runtimeId, isUp);

    private static IEnumerable<string> NamesOf(ReconcileAction action) => action switch
    {
        RebuildRing rebuild => rebuild.Replicas.Select(i => i.Name),
        Adopt adopt => [adopt.Instance.Name],
        StopStray stop => [stop.Instance.Name],
        Respawn respawn => [respawn.Name],
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    private static string Describe(ReconcileAction action) => $"{action.GetType().Name} {string.Join(",", NamesOf(action))}";

    /// <summary>Random rings and runtimes over a few names, so that copies, strays, busy and missing names all occur.</summary>
    private static IEnumerable<ReconcileInput> RandomInputs()
    {
        var random = new Random(20240611);
        string[] pool = ["a", "b", "c", "d", "e", "f"];
        for (var n = 0; n < InputCount; n++)
        {
            var runtimeId = 0;
            var running = new List<ReplicaInstance>();
            foreach (var name in pool)
            {
                for (var copies = random.Next(-1, 4); copies > 0; copies--)
                {
                    var id = $"r{++runtimeId}";
                    var address = random.Next(5) == 0 ? "" : $"http://{name}-{id}:8080";
                    running.Add(new ReplicaInstance(name, address, id, random.Next(4)));
                }
            }

            if (running.Count > 0 && random.Next(8) == 0)
            {
                running.Add(running[random.Next(running.Count)]);
            }

            var ring = new List<ReplicaRecord>();
            if (random.Next(3) > 0)
            {
                foreach (var name in pool.OrderBy(_ => random.Next()).Take(random.Next(1, pool.Length + 1)))
                {
                    var copies = running.Where(i => i.Name == name).ToList();
                    var record = copies.Count > 0 && random.Next(3) > 0
                        ? copies[random.Next(copies.Count)].ToRecord()
                        : new ReplicaRecord(name, $"http://{name}-old:8080", $"old-{name}");
                    ring.Add(record with { IsUp = random.Next(4) > 0 });
                }
            }

            var busy = pool.Where(_ => random.Next(6) == 0).ToHashSet(StringComparer.Ordinal);
            yield return new ReconcileInput(ring, running.OrderBy(_ => random.Next()).ToList(), busy, random.Next(2) == 0, random.Next(0, 7));
        }
    }

    /// <summary>The ring and the runtime after a plan has been carried out, as the grain would.</summary>
    private sealed record Model(IReadOnlyList<ReplicaRecord> Ring, IReadOnlyList<ReplicaInstance> Running)
    {
        public static Model Of(ReconcileInput input) => new(input.Ring, input.Running);

        public Model Apply(ReconcilePlan plan)
        {
            var ring = Ring.ToList();
            var running = Running.ToList();
            var started = 0;
            foreach (var action in plan.Actions)
            {
                switch (action)
                {
                    case RebuildRing rebuild:
                        Assert.Empty(ring);
                        ring.AddRange(rebuild.Replicas.Select(i => i.ToRecord()));
                        break;
                    case Adopt adopt:
                        Assert.Contains(adopt.Instance, running);
                        Replace(ring, adopt.Instance.ToRecord());
                        break;
                    case StopStray stop:
                        Assert.True(running.RemoveAll(i => i == stop.Instance) > 0, $"{stop.Instance} is not running");
                        break;
                    case Respawn respawn:
                        var instance = new ReplicaInstance(respawn.Name, $"http://{respawn.Name}-new{++started}:8080", $"new{started}", 100 + started);
                        running.Add(instance);
                        Replace(ring, instance.ToRecord());
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(plan), action, null);
                }
            }

            return new Model(ring, running);
        }

        private static void Replace(List<ReplicaRecord> ring, ReplicaRecord record)
        {
            var index = ring.FindIndex(r => r.Name == record.Name);
            Assert.True(index >= 0, $"{record.Name} is not in the ring");
            ring[index] = record;
        }
    }
}
