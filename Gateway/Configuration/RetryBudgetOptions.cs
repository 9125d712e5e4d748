using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>
/// Section <c>Gateway:RetryBudget</c>, as Envoy's retry budget: retries on another replica, after a failure or a
/// retryable status alike, may be at most <see cref="Percent"/> of the requests of the last 10 seconds, or
/// <see cref="MinRetries"/> when that is more. Taken from a reload.
/// </summary>
internal sealed class RetryBudgetOptions
{
    /// <summary>The most retries, in percent of the requests of the last 10 seconds.</summary>
    [Range(0, 100)]
    public int Percent { get; set; } = 20;

    /// <summary>
    /// Retries allowed in any 10 seconds whatever the traffic, so a quiet gateway, or one whose traffic just began, still
    /// retries when a replica dies: 10 a second, as Finagle's retry budget (which this window design follows) allows.
    /// </summary>
    [Range(0, 100_000)]
    public int MinRetries { get; set; } = 100;
}
