using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// Every rule of <c>POST /add</c> and <c>DELETE /rm</c>: the gateway parses bodies with it, the replica manager checks
/// each change with it again (other clients call the grain too). Errors are in the seed's words, without "&lt;Error&gt;".
/// </summary>
public static class AdminRequestValidator
{
    /// <summary>The largest admin body the gateway reads; a larger one is a 413.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The most replicas any request may name or ask for: the upper bound of <c>Replicas:MaxCount</c>.</summary>
    public const int MaxReplicas = 1024;

    /// <summary>Deeper JSON is rejected as soon as the reader gets there (a valid body has depth 2, or 3 with <c>replicas</c>).</summary>
    public const int MaxDepth = 8;

    private const string NotJson = "Request body is not valid JSON";
    private const string NotObject = "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}";
    private const string NotInteger = "'n' must be an integer";
    private const string NotPositive = "'n' must be a positive integer";
    private const string NotNames = "'hostnames' must be a list of names";

    private static readonly string OutOfRange = $"'n' must be between 1 and {MaxReplicas}";

    /// <summary>
    /// Reads <c>{"n": 2, "hostnames": ["a", "b"]}</c> (<c>hostnames</c> optional, null meaning none) and checks every
    /// rule that does not need the cluster's state; returns the request or the first error.
    /// </summary>
    public static (AdminRequest? Request, string? Error) Parse(ReadOnlySpan<byte> utf8Json, AdminOperation operation)
    {
        if (utf8Json.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        // Checked up front: the reader does not check the bytes of strings it is not asked to decode.
        if (!Utf8.IsValid(utf8Json))
        {
            return (null, "Request body is not valid UTF-8");
        }

        if (Shape(utf8Json) is { } invalid)
        {
            return (null, invalid);
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return (null, NotObject);
        }

        string? countError = null;
        var count = 0;
        var seenCount = false;
        var seenNames = false;
        List<string>? hostnames = null;
        string? namesError = null;
        var (weight, seenWeight, weightError) = (ReplicaWeights.Default, false, (string?)null);
        var (seenReplicas, replicas, replicasError) = (false, (List<ExternalReplica>?)null, (string?)null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("n"u8))
            {
                reader.Read();
                if (seenCount)
                {
                    return (null, "'n' is given more than once");
                }

                seenCount = true;
                countError = reader.TokenType == JsonTokenType.Number ? ReadCount(reader.ValueSpan, out count) : NotInteger;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("hostnames"u8))
            {
                reader.Read();
                if (seenNames)
                {
                    return (null, "'hostnames' is given more than once");
                }

                seenNames = true;
                (hostnames, namesError) = ReadNames(ref reader);
            }
            else if (operation == AdminOperation.Add && reader.ValueTextEquals("weight"u8))
            {
                reader.Read();
                if (seenWeight)
                {
                    return (null, "'weight' is given more than once");
                }

                seenWeight = true;
                weightError = ReplicaWeights.Read(ref reader, "'weight'", out weight);
            }
            else if (operation == AdminOperation.Add && reader.ValueTextEquals("replicas"u8))
            {
                reader.Read();
                if (seenReplicas)
                {
                    return (null, "'replicas' is given more than once");
                }

                seenReplicas = true;
                (replicas, replicasError) = ExternalReplicaRules.ReadList(ref reader);
            }
            else
            {
                // Other members are ignored, as the seed does.
                reader.Read();
                reader.Skip();
            }
        }

        if (seenReplicas)
        {
            if (seenCount || seenNames || seenWeight)
            {
                return (null, "'replicas' cannot be combined with 'n', 'hostnames' or 'weight' (each entry has its own weight)");
            }

            var listError = replicasError ?? ExternalReplicaRules.Validate(replicas!);
            return listError is null ? (new AdminRequest(replicas!.Count, replicas.Select(r => r.Name).ToList(), Replicas: replicas), null) : (null, listError);
        }

        if (!seenCount)
        {
            return (null, "'n' is required");
        }

        if (countError is not null)
        {
            return (null, countError);
        }

        if (namesError is not null)
        {
            return (null, namesError);
        }

        if (weightError is not null)
        {
            return (null, weightError);
        }

        hostnames ??= [];
        var error = CountAndNames(count, hostnames, operation) ?? InvalidName(hostnames) ?? Duplicate(hostnames);
        return error is null ? (new AdminRequest(count, hostnames, weight), null) : (null, error);
    }

    /// <summary>Every rule of an add, against the ring's <paramref name="current"/> names; null when it may go ahead.</summary>
    /// <param name="nameKey">What the runtime names a replica by (<c>IReplicaRuntime.NameKey</c>): two equal keys clash.</param>
    public static string? ValidateAdd(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current, int maxCount, Func<string, string> nameKey)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(nameKey);
        if (count <= 0)
        {
            return NotPositive;
        }

        if (hostnames.Count > count)
        {
            return "Length of hostname list is more than newly added instances";
        }

        var max = Math.Min(maxCount, MaxReplicas);
        if ((long)current.Count + count > max)
        {
            return $"Adding {count} replicas to {current.Count} would exceed the maximum of {max} replicas";
        }

        if ((InvalidName(hostnames) ?? Duplicate(hostnames)) is { } error)
        {
            return error;
        }

        var existing = new HashSet<string>(current, StringComparer.Ordinal);
        return hostnames.Where(existing.Contains).Select(h => $"Replica '{ReplicaNames.Escape(h)}' already exists").FirstOrDefault()
            ?? Clash(hostnames, current, nameKey);
    }

    /// <summary>Every rule of a removal, against the ring's <paramref name="current"/> names; null when it may go ahead.</summary>
    public static string? ValidateRemove(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current)
    {
        ArgumentNullException.ThrowIfNull(hostnames);
        ArgumentNullException.ThrowIfNull(current);
        if (count <= 0)
        {
            return NotPositive;
        }

        if (hostnames.Count > count)
        {
            return "Length of hostname list is more than removable instances";
        }

        if (count > current.Count)
        {
            return $"Cannot remove {count} replicas: only {current.Count} exist";
        }

        var existing = new HashSet<string>(current, StringComparer.Ordinal);
        return Duplicate(hostnames)
            ?? hostnames.Where(h => !existing.Contains(h)).Select(h => $"Replica '{ReplicaNames.Escape(h)}' does not exist").FirstOrDefault();
    }

    /// <summary>The rules on <c>n</c> and the length of the list that need no state (the manager checks the rest).</summary>
    private static string? CountAndNames(int count, IReadOnlyList<string> hostnames, AdminOperation operation)
    {
        if (count <= 0)
        {
            return NotPositive;
        }

        if (count > MaxReplicas)
        {
            return OutOfRange;
        }

        return hostnames.Count <= count ? null
            : operation == AdminOperation.Remove ? "Length of hostname list is more than removable instances"
            : "Length of hostname list is more than newly added instances";
    }

    private static string? InvalidName(IReadOnlyList<string> hostnames) =>
        hostnames.Where(h => !ReplicaNames.IsValid(h))
            .Select(h => $"Hostname '{ReplicaNames.Escape(h)}' is not a valid name ({ReplicaNames.Rule})")
            .FirstOrDefault();

    private static string? Duplicate(IReadOnlyList<string> hostnames)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return hostnames.Where(h => !seen.Add(h)).Select(h => $"Hostname '{ReplicaNames.Escape(h)}' is given more than once").FirstOrDefault();
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

    /// <summary>Null when the body is one well-formed JSON value no deeper than <see cref="MaxDepth"/>, else why not.</summary>
    private static string? Shape(ReadOnlySpan<byte> utf8Json)
    {
        // The reader's own limit is one deeper, so that too deep a body meets this check (and its message) first.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        try
        {
            var depth = 0;
            var any = false;
            while (reader.Read())
            {
                any = true;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && ++depth > MaxDepth)
                {
                    return $"Request body nests deeper than {MaxDepth} levels";
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                }
            }

            return any ? null : NotJson;
        }
        catch (JsonException)
        {
            return NotJson;
        }
    }

    /// <summary>The list under <c>hostnames</c>, its strings decoded as written (a lone surrogate stays one, for the name rule to reject).</summary>
    private static (List<string>? Names, string? Error) ReadNames(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return ([], null);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return (null, NotNames);
        }

        var names = new List<string>();
        string? error = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                error = NotNames;
                reader.Skip();
                continue;
            }

            if (error is null)
            {
                names.Add(DecodeString(ref reader));
            }
        }

        return error is null ? (names, null) : (null, error);
    }

    /// <summary>The current string token decoded as written (a lone surrogate stays one, for the name rule to reject).</summary>
    internal static string DecodeString(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? Unescape(reader.ValueSpan) : Encoding.UTF8.GetString(reader.ValueSpan);

    /// <summary>
    /// A JSON string's content with its escapes resolved, keeping unpaired <c>\uD800</c>-style escapes as lone surrogates
    /// (<see cref="Utf8JsonReader.GetString"/> throws on them). The reader has checked the escapes' syntax.
    /// </summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            var slash = raw.IndexOf((byte)'\\');
            if (slash < 0)
            {
                text.Append(Encoding.UTF8.GetString(raw));
                break;
            }

            text.Append(Encoding.UTF8.GetString(raw[..slash]));
            var escape = raw[slash + 1];
            if (escape == (byte)'u')
            {
                text.Append((char)Convert.ToUInt16(Encoding.ASCII.GetString(raw.Slice(slash + 2, 4)), 16));
                raw = raw[(slash + 6)..];
                continue;
            }

            text.Append(escape switch
            {
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                _ => (char)escape, // '"', '\\' and '/'
            });
            raw = raw[(slash + 2)..];
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads <c>n</c> exactly from its JSON text: 1e30 and 2147483648 are integers (out of range), 1.5 is not one, 2.0 is 2.
    /// Null when <paramref name="count"/> is in 1..<see cref="MaxReplicas"/>, else the error.
    /// </summary>
    private static string? ReadCount(ReadOnlySpan<byte> number, out int count)
    {
        count = 0;
        var negative = number[0] == (byte)'-';
        var body = negative ? number[1..] : number;
        var exponentAt = body.IndexOfAny("eE"u8);
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        long exponent = 0;
        if (exponentAt >= 0)
        {
            var digits = body[(exponentAt + 1)..];
            var minus = digits[0] == (byte)'-';
            foreach (var digit in digits[(digits[0] is (byte)'-' or (byte)'+' ? 1 : 0)..])
            {
                // Saturates far beyond any count: 1e99999999999 stays "too large" rather than wrapping.
                exponent = Math.Min(exponent * 10 + (digit - '0'), 1_000_000_000);
            }

            exponent = minus ? -exponent : exponent;
        }

        var point = mantissa.IndexOf((byte)'.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        var digitsOnly = point < 0 ? mantissa.ToArray() : [.. mantissa[..point], .. mantissa[(point + 1)..]];
        var first = Array.FindIndex(digitsOnly, d => d != (byte)'0');
        if (first < 0)
        {
            return NotPositive;
        }

        var last = Array.FindLastIndex(digitsOnly, d => d != (byte)'0');

        // Digit i stands for 10^(integerDigits - 1 - i + exponent).
        if (integerDigits - 1 - last + exponent < 0)
        {
            return NotInteger;
        }

        if (negative)
        {
            return NotPositive;
        }

        var places = integerDigits - first + exponent;
        if (places > 4)
        {
            return OutOfRange;
        }

        var value = 0;
        for (var i = first; i < first + places; i++)
        {
            value = value * 10 + (i < digitsOnly.Length ? digitsOnly[i] - '0' : 0);
        }

        count = value;
        return value > MaxReplicas ? OutOfRange : null;
    }
}
