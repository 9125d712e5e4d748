using System.ComponentModel.DataAnnotations;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary><c>Replicas:Static</c>, checked at start-up with the rules of <c>POST /add {"replicas": [...]}</c>; each failure names its entry.</summary>
internal static class StaticReplicaRules
{
    public static IEnumerable<ValidationResult> Validate(IReadOnlyList<StaticReplica> entries, int maxCount)
    {
        if (entries.Count > maxCount)
        {
            yield return new ValidationResult($"{entries.Count} entries are more than MaxCount ({maxCount}).", [nameof(ReplicaOptions.Static)]);
            yield break;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var member = $"{nameof(ReplicaOptions.Static)}:{i}";
            var entry = entries[i];
            if (ExternalReplicaRules.Validate(new ExternalReplica(entry.Name, entry.Address, entry.Weight), "'entry") is { } error)
            {
                yield return new ValidationResult($"{error.Replace("'entry.", "'", StringComparison.Ordinal)}.", [member]);
            }
            else if (!names.TryAdd(entry.Name, i))
            {
                yield return new ValidationResult($"name '{ReplicaNames.Escape(entry.Name)}' is also entry {names[entry.Name]}.", [member]);
            }
        }
    }
}
