using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary><c>Replicas:Runtime</c> names one of <see cref="ReplicaRuntimes.Names"/>.</summary>
internal sealed class ReplicaRuntimeValidator : IValidateOptions<ReplicaOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ReplicaRuntimes.Names.Contains(options.Runtime, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{ReplicaOptions.Section}:{nameof(ReplicaOptions.Runtime)}: '{options.Runtime}' is not a replica runtime; use {string.Join(" or ", ReplicaRuntimes.Names)}.");
    }
}
