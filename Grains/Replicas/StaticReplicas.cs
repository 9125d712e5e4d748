using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// <c>Replicas:Static</c> as the manager applies it: once per activation (a silo start, or the manager moving to
/// another silo), every entry the ring lacks by name is registered as an external replica. Entries the ring already
/// has are left as they are, so registering is idempotent; and an operator's <c>/rm</c> of a static replica holds
/// until the manager next activates, which reads the configuration again.
/// </summary>
internal sealed class StaticReplicas(ReplicaOptions options, ILogger logger)
{
    public bool Done { get; private set; } = options.Static.Count == 0;

    /// <summary>The entries to register now; none once they have been.</summary>
    public IReadOnlyList<ReplicaRecord> Missing(RingState ring)
    {
        if (Done)
        {
            return [];
        }

        var held = ring.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var missing = new List<ReplicaRecord>();
        foreach (var entry in options.Static.Select(s => s.ToRecord()))
        {
            if (!held.TryGetValue(entry.Name, out var replica))
            {
                missing.Add(entry);
            }
            else if (replica.Address != entry.Address)
            {
                logger.LogWarning("Static replica {Replica} is configured at {Address} but the ring has it at {RingAddress}; the ring's stays",
                    entry.Name, entry.Address, replica.Address);
            }
        }

        return missing;
    }

    public void Registered(bool succeeded) => Done |= succeeded;
}
