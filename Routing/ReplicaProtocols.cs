namespace Orleans.LoadBalancer.Routing;

/// <summary>The names of <see cref="ReplicaProtocol"/> as clients and configuration write them, and the one rule for reading them.</summary>
public static class ReplicaProtocols
{
    public const string Http1 = "http1";
    public const string H2c = "h2c";
    public const string H2 = "h2";

    /// <summary>How many protocols there are: tables indexed by <see cref="ReplicaProtocol"/> have this length.</summary>
    public const int Count = 3;

    /// <summary>What a field naming a protocol must hold, for its error message.</summary>
    public const string Rule = "\"http1\", \"h2c\" or \"h2\"";

    /// <summary>The protocol <paramref name="name"/> names (exactly, lower-case), or null.</summary>
    public static ReplicaProtocol? Parse(string? name) => name switch
    {
        Http1 => ReplicaProtocol.Http1,
        H2c => ReplicaProtocol.H2c,
        H2 => ReplicaProtocol.H2,
        _ => null,
    };

    public static string Name(ReplicaProtocol protocol) => protocol switch
    {
        ReplicaProtocol.H2c => H2c,
        ReplicaProtocol.H2 => H2,
        _ => Http1,
    };

    /// <summary>The error for a field (e.g. <c>'replicas[0].protocol'</c>) that does not name a protocol.</summary>
    public static string Invalid(string field) => $"{field} must be {Rule}";
}
