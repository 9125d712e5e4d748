using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// Slow start's rule, time → effective weight: a replica starts at a tenth of its weight and gains another tenth at each
/// of <see cref="Steps"/> even steps until it has its whole weight at <see cref="Duration"/>. Weights are table weights
/// (hundredths, <see cref="RoutingTable.WeightScale"/>), so a tenth of weight 1 is 10. A zero duration is off.
/// </summary>
internal sealed record SlowStartRamp(TimeSpan Duration)
{
    /// <summary>Steps after the start; each is one version of the ring.</summary>
    public const int Steps = 9;

    /// <summary>Tenths of the weight at the start.</summary>
    private const int Levels = Steps + 1;

    public bool Enabled => Duration > TimeSpan.Zero;

    /// <summary>Tenths of the weight the replica has <paramref name="elapsed"/> after it started: 1 at once, 10 at the end.</summary>
    public int Level(TimeSpan elapsed) =>
        !Enabled || elapsed >= Duration ? Levels : 1 + (int)(Math.Max(0, elapsed.Ticks) * Steps / Duration.Ticks);

    /// <summary>The table weight of a replica of <paramref name="weight"/> (1–100) <paramref name="elapsed"/> after it started.</summary>
    public int TableWeight(int weight, TimeSpan elapsed) => Math.Max(1, weight * RoutingTable.WeightScale * Level(elapsed) / Levels);

    /// <summary>The table weight a ramp starts at.</summary>
    public int StartWeight(int weight) => TableWeight(weight, TimeSpan.Zero);

    /// <summary>When the ramp takes its next step after <paramref name="elapsed"/> (null when it is done).</summary>
    public TimeSpan? NextStep(TimeSpan elapsed)
    {
        var level = Level(elapsed);
        return level >= Levels ? null : TimeSpan.FromTicks(((Duration.Ticks * level) + Steps - 1) / Steps);
    }

    /// <summary>
    /// How far into its ramp a replica at <paramref name="tableWeight"/> of <paramref name="weight"/> is: the start of its
    /// level. A ring that reactivates resumes ramps from there.
    /// </summary>
    public TimeSpan ElapsedAt(int weight, int tableWeight)
    {
        var level = Math.Clamp((int)((long)tableWeight * Levels / (weight * RoutingTable.WeightScale)), 1, Levels);
        return TimeSpan.FromTicks(Duration.Ticks * (level - 1) / Steps);
    }
}
