using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>Section <c>Routing</c> as the gateway reads it.</summary>
internal sealed class BalancingOptions : IValidatableObject
{
    public const string Section = "Routing";

    /// <summary>
    /// Bounded loads: a request goes to the first replica in its key's order holding fewer than
    /// <see cref="Orleans.LoadBalancer.Routing.RoutingSnapshot.BoundedLoadCap"/> of this gateway's requests in flight.
    /// 0 turns it off (the default); 1.25 is a sensible setting.
    /// </summary>
    public double BalanceFactor { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BalanceFactor != 0 && !(BalanceFactor > 1))
        {
            yield return new ValidationResult($"BalanceFactor must be above 1 (or 0 for off), not {BalanceFactor}", [nameof(BalanceFactor)]);
        }
    }
}
