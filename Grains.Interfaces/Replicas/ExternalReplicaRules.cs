using System.Text.Json;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// The rules of <c>POST /add {"replicas": [{"name": …, "address": …, "weight": …}]}</c>: the gateway reads the list with
/// them, the replica manager checks it again (and <c>Replicas:Static</c> at start-up). Fields are named as in the body
/// (<c>'replicas[1].address'</c>) so that an error says which entry is wrong.
/// </summary>
public static class ExternalReplicaRules
{
    public const string NotList = "'replicas' must be a list of objects like {\"name\": \"api-7\", \"address\": \"http://10.0.0.7:8080\", \"weight\": 2}";

    /// <summary>Reads the list at the reader's current token; skips it whole. Names are checked later, by <see cref="Validate"/>.</summary>
    public static (List<ExternalReplica>? Replicas, string? Error) ReadList(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return (null, NotList);
        }

        var replicas = new List<ExternalReplica>();
        string? error = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (error is not null)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                error = NotList;
                reader.Skip();
                continue;
            }

            var (replica, entryError) = ReadEntry(ref reader, $"'replicas[{replicas.Count}]");
            if (entryError is not null)
            {
                error = entryError;
            }
            else
            {
                replicas.Add(replica!);
            }
        }

        return error is null ? (replicas, null) : (null, error);
    }

    /// <summary>Every rule of a list of external replicas on its own (count, names, addresses, weights); null when it is good.</summary>
    public static string? Validate(IReadOnlyList<ExternalReplica> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            return "'replicas' must list at least one replica";
        }

        if (replicas.Count > AdminRequestValidator.MaxReplicas)
        {
            return $"'replicas' must list at most {AdminRequestValidator.MaxReplicas} replicas";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < replicas.Count; i++)
        {
            if (Validate(replicas[i], $"'replicas[{i}]") is { } error)
            {
                return error;
            }

            if (!names.Add(replicas[i].Name))
            {
                return $"Hostname '{ReplicaNames.Escape(replicas[i].Name)}' is given more than once";
            }
        }

        return null;
    }

    /// <summary>One entry's rules; <paramref name="field"/> is its prefix without the closing quote, e.g. <c>'replicas[0]</c> or <c>'Replicas:Static:0</c>.</summary>
    public static string? Validate(ExternalReplica replica, string field)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (!ReplicaNames.IsValid(replica.Name))
        {
            return $"{field}.name' '{ReplicaNames.Escape(replica.Name ?? "")}' is not a valid name ({ReplicaNames.Rule})";
        }

        if (!ReplicaWeights.IsValid(replica.Weight))
        {
            return ReplicaWeights.Error($"{field}.weight'");
        }

        return ReplicaAddresses.Normalize(replica.Address, $"{field}.address'").Error;
    }

    /// <summary>The entry with its address in canonical form (<c>scheme://host[:port]</c>); call once it is valid.</summary>
    public static ExternalReplica Canonical(ExternalReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return ReplicaAddresses.Normalize(replica.Address, "address").Address is { } address ? replica with { Address = address } : replica;
    }

    private static (ExternalReplica? Replica, string? Error) ReadEntry(ref Utf8JsonReader reader, string field)
    {
        string? name = null, address = null, error = null;
        var weight = ReplicaWeights.Default;
        var seenWeight = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = reader.ValueTextEquals("name"u8) ? "name" : reader.ValueTextEquals("address"u8) ? "address"
                : reader.ValueTextEquals("weight"u8) ? "weight" : null;
            reader.Read();
            if (error is not null || member is null)
            {
                // Other members are ignored, as at the top level.
                reader.Skip();
                continue;
            }

            if ((member == "name" && name is not null) || (member == "address" && address is not null) || (member == "weight" && seenWeight))
            {
                error = $"{field}.{member}' is given more than once";
                reader.Skip();
                continue;
            }

            if (member == "weight")
            {
                seenWeight = true;
                error = ReplicaWeights.Read(ref reader, $"{field}.weight'", out weight);
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                error = $"{field}.{member}' must be a string";
                reader.Skip();
                continue;
            }

            var text = AdminRequestValidator.DecodeString(ref reader);
            (name, address) = member == "name" ? (text, address) : (name, text);
        }

        if (error is not null)
        {
            return (null, error);
        }

        if (name is null)
        {
            return (null, $"{field}.name' is required");
        }

        if (!ReplicaNames.IsValid(name))
        {
            return (null, $"{field}.name' '{ReplicaNames.Escape(name)}' is not a valid name ({ReplicaNames.Rule})");
        }

        var (canonical, addressError) = ReplicaAddresses.Normalize(address, $"{field}.address'");
        return addressError is null ? (new ExternalReplica(name, canonical!, weight), null) : (null, addressError);
    }
}
