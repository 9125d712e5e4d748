using System.Globalization;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// Every rule of a change to the replica set (add, remove, weight, state, external and static replicas), each message
/// written once, in the seed's words without "&lt;Error&gt;". The gateway applies them to answer bad input at once; the
/// replica manager applies them again to every change, against the ring as it is then (other clients call it too).
/// </summary>
public static class ReplicaSetRules
{
    /// <summary>The most replicas any request may name or ask for: the upper bound of <c>Replicas:MaxCount</c>.</summary>
    public const int MaxReplicas = 1024;

    public const int MinWeight = 1;
    public const int MaxWeight = RoutingTable.MaxWeight;
    public const int DefaultWeight = 1;

    /// <summary>The states <c>PUT /replicas/{name}/state</c> takes.</summary>
    public const string Drain = "drain";

    public const string Up = "up";

    public const string CountNotPositive = "'n' must be a positive integer";
    public const string MoreNamesThanAdded = "Length of hostname list is more than newly added instances";
    public const string MoreNamesThanRemovable = "Length of hostname list is more than removable instances";
    public const string UnknownState = "'state' must be \"drain\" or \"up\"";
    public const string NoExternalReplicas = "'replicas' must list at least one replica";
    public const string ExternalWithCount = "'replicas' cannot be combined with 'n', 'hostnames' or 'weight' (each entry has its own weight)";

    public static readonly string CountOutOfRange = $"'n' must be between 1 and {MaxReplicas}";
    public static readonly string TooManyExternalReplicas = $"'replicas' must list at most {MaxReplicas} replicas";

    public static bool IsValidWeight(long weight) => weight is >= MinWeight and <= MaxWeight;

    public static bool IsState(string? state) => state is Drain or Up;

    /// <summary>
    /// The weight rule's message for <paramref name="field"/> (e.g. <c>'weight'</c>); <paramref name="given"/> is the
    /// value as the client wrote it (configuration errors name the key only).
    /// </summary>
    public static string WeightOutOfRange(string field, string? given = null) =>
        $"{field} must be an integer from {MinWeight} to {MaxWeight}{(given is null ? "" : $", not {given}")}";

    public static string ExceedsMaximum(int count, int current, int max) =>
        $"Adding {count} replicas to {current} would exceed the maximum of {max} replicas";

    public static string CannotRemove(int count, int current) => $"Cannot remove {count} replicas: only {current} exist";

    public static string AlreadyExists(string name) => $"Replica '{ReplicaNames.Escape(name)}' already exists";

    public static string DoesNotExist(string name) => $"Replica '{ReplicaNames.Escape(name)}' does not exist";

    /// <summary><paramref name="subject"/> is <c>Hostname</c> or the field that holds the name, e.g. <c>'replicas[0].name'</c>.</summary>
    public static string InvalidName(string subject, string name) =>
        $"{subject} '{ReplicaNames.Escape(name)}' is not a valid name ({ReplicaNames.Rule})";

    /// <summary>An external replica's address that leads to a gateway of this cluster: its requests would come back to the gateway.</summary>
    public static string GatewayAddress(string field, string address) =>
        $"{field} '{ReplicaNames.Escape(address)}' is an address of a gateway of this cluster: requests sent there would come back to it";

    public static string NameGivenTwice(string name) => $"Hostname '{ReplicaNames.Escape(name)}' is given more than once";

    /// <summary>The checks of <c>n</c> on its own, for a count as the client wrote it (not cut to an <see cref="int"/>).</summary>
    public static string? CheckCount(long count) => count <= 0 ? CountNotPositive : count > MaxReplicas ? CountOutOfRange : null;

    /// <summary>The checks of <c>hostnames</c> that need no state: no more than <c>n</c>, each valid, none twice.</summary>
    public static string? CheckNames(long count, IReadOnlyList<string> hostnames, AdminOperation operation)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        return hostnames.Count > count ? MoreNames(operation) : InvalidHostname(hostnames) ?? Duplicate(hostnames);
    }

    public static string? CheckWeight(int weight) =>
        IsValidWeight(weight) ? null : WeightOutOfRange("'weight'", weight.ToString(CultureInfo.InvariantCulture));

    /// <summary>Every rule of an add, against the ring's <paramref name="current"/> names; null when it may go ahead.</summary>
    /// <param name="nameKey">What the runtime names a replica by (<c>IReplicaRuntime.NameKey</c>): two equal keys clash.</param>
    public static string? ValidateAdd(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current, int maxCount, Func<string, string> nameKey)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(nameKey);
        if (count <= 0)
        {
            return CountNotPositive;
        }

        if (hostnames.Count > count)
        {
            return MoreNamesThanAdded;
        }

        var max = Math.Min(maxCount, MaxReplicas);
        if ((long)current.Count + count > max)
        {
            return ExceedsMaximum(count, current.Count, max);
        }

        if ((InvalidHostname(hostnames) ?? Duplicate(hostnames)) is { } error)
        {
            return error;
        }

        var existing = new HashSet<string>(current, StringComparer.Ordinal);
        return hostnames.Where(existing.Contains).Select(AlreadyExists).FirstOrDefault() ?? Clash(hostnames, current, nameKey);
    }

    /// <summary>Every rule of a removal, against the ring's <paramref name="current"/> names; null when it may go ahead.</summary>
    public static string? ValidateRemove(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        ArgumentNullException.ThrowIfNull(current);
        if (count <= 0)
        {
            return CountNotPositive;
        }

        if (hostnames.Count > count)
        {
            return MoreNamesThanRemovable;
        }

        if (count > current.Count)
        {
            return CannotRemove(count, current.Count);
        }

        var existing = new HashSet<string>(current, StringComparer.Ordinal);
        return Duplicate(hostnames) ?? hostnames.Where(h => !existing.Contains(h)).Select(DoesNotExist).FirstOrDefault();
    }

    /// <summary>Every rule of a list of external replicas on its own (count, names, addresses, weights); null when it is good.</summary>
    public static string? ValidateExternal(IReadOnlyList<ReplicaRecord> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            return NoExternalReplicas;
        }

        if (replicas.Count > MaxReplicas)
        {
            return TooManyExternalReplicas;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < replicas.Count; i++)
        {
            if (EntryError(replicas[i], ExternalField(i), showWeight: true) is { } error)
            {
                return error;
            }

            if (!names.Add(replicas[i].Name))
            {
                return NameGivenTwice(replicas[i].Name);
            }
        }

        return null;
    }

    /// <summary>How an error names a field of entry <paramref name="index"/> of <c>replicas</c>: <c>'replicas[1].address'</c>.</summary>
    public static Func<string, string> ExternalField(int index) => member => $"'replicas[{index}].{member}'";

    /// <summary>
    /// <c>Replicas:Static</c>, checked at start-up with the rules of <c>POST /add {"replicas": [...]}</c>: each error with
    /// the entry it is about (null for the list as a whole).
    /// </summary>
    public static IEnumerable<(int? Entry, string Error)> ValidateStatic(IReadOnlyList<ReplicaRecord> entries, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > maxCount)
        {
            yield return (null, $"{entries.Count} entries are more than MaxCount ({maxCount})");
            yield break;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            if (EntryError(entries[i], member => $"'{member}'", showWeight: false) is { } error)
            {
                yield return (i, error);
            }
            else if (!names.TryAdd(entries[i].Name, i))
            {
                yield return (i, $"name '{ReplicaNames.Escape(entries[i].Name)}' is also entry {names[entries[i].Name]}");
            }
        }
    }

    /// <summary>The entry with its address in canonical form (<c>scheme://host[:port]</c>); call once it is valid.</summary>
    public static ReplicaRecord Canonical(ReplicaRecord replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return ReplicaAddresses.Normalize(replica.Address, "address").Address is { } address ? replica with { Address = address } : replica;
    }

    /// <summary>One entry's rules in their order: its name, its weight, its address, its protocol against the address, its health check; <paramref name="field"/> names its fields.</summary>
    private static string? EntryError(ReplicaRecord replica, Func<string, string> field, bool showWeight)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (!ReplicaNames.IsValid(replica.Name))
        {
            return InvalidName(field("name"), replica.Name ?? "");
        }

        if (!IsValidWeight(replica.Weight))
        {
            return WeightOutOfRange(field("weight"), showWeight ? replica.Weight.ToString(CultureInfo.InvariantCulture) : null);
        }

        var (address, error) = ReplicaAddresses.Normalize(replica.Address, field("address"));
        return error ?? ProtocolMismatch(field("protocol"), replica.Protocol, address!)
            ?? ExternalHealthCheck.CheckPath(field("healthPath"), replica.HealthPath) ?? ExternalHealthCheck.CheckStatus(field("healthStatus"), replica.HealthStatus);
    }

    /// <summary><c>h2c</c> is HTTP/2 without TLS and needs an <c>http</c> address; <c>h2</c> is HTTP/2 over TLS and needs <c>https</c>.</summary>
    private static string? ProtocolMismatch(string field, ReplicaProtocol protocol, string address) => protocol switch
    {
        ReplicaProtocol.H2c when !address.StartsWith("http://", StringComparison.Ordinal) =>
            $"{field} \"{ReplicaProtocols.H2c}\" (HTTP/2 without TLS) needs an http:// address, not '{ReplicaNames.Escape(address)}'",
        ReplicaProtocol.H2 when !address.StartsWith("https://", StringComparison.Ordinal) =>
            $"{field} \"{ReplicaProtocols.H2}\" (HTTP/2 over TLS) needs an https:// address, not '{ReplicaNames.Escape(address)}'",
        _ => null,
    };

    private static string MoreNames(AdminOperation operation) =>
        operation == AdminOperation.Remove ? MoreNamesThanRemovable : MoreNamesThanAdded;

    private static string? InvalidHostname(IReadOnlyList<string> hostnames) =>
        hostnames.Where(h => !ReplicaNames.IsValid(h)).Select(h => InvalidName("Hostname", h)).FirstOrDefault();

    private static string? Duplicate(IReadOnlyList<string> hostnames)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return hostnames.Where(h => !seen.Add(h)).Select(NameGivenTwice).FirstOrDefault();
    }

    /// <summary>A new name the runtime cannot tell from an existing replica's or another new one's (e.g. "Server-1" beside "Server 1" for Docker).</summary>
    private static string? Clash(IReadOnlyList<string> hostnames, IReadOnlyList<string> current, Func<string, string> nameKey)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in current)
        {
            keys.TryAdd(nameKey(name), name);
        }

        var existing = new HashSet<string>(current, StringComparer.Ordinal);
        foreach (var name in hostnames)
        {
            var key = nameKey(name);
            if (!keys.TryAdd(key, name))
            {
                var other = keys[key];
                var what = existing.Contains(other) ? "replica" : "hostname";
                return $"Hostname '{ReplicaNames.Escape(name)}' clashes with {what} '{ReplicaNames.Escape(other)}': the runtime would name both '{ReplicaNames.Escape(key)}'";
            }
        }

        return null;
    }
}
