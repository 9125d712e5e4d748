using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>
/// Section <c>Gateway:Outlier</c>: passive health, as Envoy's outlier detection. A replica that fails this many
/// requests in a row (answers 502, 503 or 504, or refuses, resets or times out) is ejected from this gateway's routing
/// for <see cref="BaseEjectionTime"/> times the number of its ejections, at most <see cref="MaxEjectionTime"/>; its
/// keys go to their next replicas meanwhile. Taken from a reload.
/// </summary>
internal sealed class OutlierOptions : IValidatableObject
{
    /// <summary>Failures in a row that eject a replica; 0 turns ejection off.</summary>
    [Range(0, 1000)]
    public int ConsecutiveFailures { get; set; } = 5;

    /// <summary>How long a first ejection lasts; the n-th lasts n times as long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan BaseEjectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an ejection lasts, however many came before it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan MaxEjectionTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The largest share of the ring's replicas ejected at once, in percent (rounded down); one replica may always be
    /// ejected, as in Envoy, so a small ring is not left to answer 5xx.
    /// </summary>
    [Range(0, 100)]
    public int MaxEjectionPercent { get; set; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxEjectionTime < BaseEjectionTime)
        {
            yield return new ValidationResult(
                $"must be at least BaseEjectionTime ({BaseEjectionTime:c}), not {MaxEjectionTime:c}", [nameof(MaxEjectionTime)]);
        }
    }
}
