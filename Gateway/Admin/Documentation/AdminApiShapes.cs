using System.Text.Json.Serialization;

namespace Orleans.LoadBalancer.Gateway.Admin.Documentation;

// The admin API's bodies as the OpenAPI document describes them. The endpoints write these shapes by hand, byte for
// byte the seed's; these types only describe them, and AdminApiDocumentTests holds the two together.

/// <summary>Every answer: <c>{"message": …, "status": "successful"}</c>.</summary>
internal sealed record SuccessBody<T>(T Message, string Status);

/// <summary>Every error: <c>{"message": "&lt;Error&gt; …", "status": "failure"}</c>, with a 4xx or 503; nothing was changed.</summary>
internal sealed record ErrorBody(string Message, string Status);

/// <summary>The seed's list of replica names, in order of addition.</summary>
internal sealed record ReplicaNameList([property: JsonPropertyName("N")] int N, IReadOnlyList<string> Replicas);

/// <summary>
/// <c>POST /add</c> and <c>DELETE /rm</c>: the seed's <c>n</c> and optional <c>hostnames</c>; an add may give a
/// <c>weight</c> for every new replica, or register running servers as <c>replicas</c> instead.
/// </summary>
internal sealed record ReplicaSetChange(int? N, IReadOnlyList<string>? Hostnames, int? Weight, IReadOnlyList<ExternalReplica>? Replicas);

/// <summary>
/// A server that runs elsewhere, registered by <c>POST /add {"replicas": […]}</c>; <c>protocol</c> is how the gateways
/// speak to it: <c>http1</c> (the default), <c>h2c</c> or <c>h2</c>. <c>healthPath</c> (starting with '/') and
/// <c>healthStatus</c> (a status, <c>204</c>, also as a number, or a range, <c>"200-399"</c>) are its own health check;
/// when not given, <c>Replicas:ExternalHealthPath</c> and 2xx/3xx.
/// </summary>
internal sealed record ExternalReplica(string Name, string Address, int? Weight, string? Protocol, string? HealthPath, string? HealthStatus);

/// <summary><c>GET /replicas</c>.</summary>
internal sealed record ReplicaList([property: JsonPropertyName("N")] int N, IReadOnlyList<ReplicaEntry> Replicas);

/// <summary>
/// One replica as <c>GET /replicas</c> and <c>PUT /replicas/{name}/weight</c> show it; <c>healthPath</c> and
/// <c>healthStatus</c> are the health check the manager makes of it (<c>"204"</c> or <c>"200-399"</c>).
/// </summary>
internal sealed record ReplicaEntry(
    string Name, string DnsName, string Address, string State, string Runtime, string RuntimeId, int Restarts, double Share,
    int Weight, int EffectiveWeight, bool Draining, string Host, string Protocol, string HealthPath, string HealthStatus);

/// <summary><c>GET /ring</c>: this gateway's routing snapshot.</summary>
internal sealed record RingView(
    long Version, string Ring, string Algorithm, [property: JsonPropertyName("N")] int N, IReadOnlyList<RingReplica> Replicas, RingSettings Settings);

/// <summary>One replica in <c>GET /ring</c>, with its live request rate and requests in flight on this gateway.</summary>
internal sealed record RingReplica(string Name, bool Up, double Share, int Weight, int EffectiveWeight, bool Draining, double Rate, int Inflight);

/// <summary>The algorithms' table sizes.</summary>
internal sealed record RingSettings(int SlotCount, int PointsPerReplica, int MaglevTableSize);

/// <summary><c>PUT /ring/algorithm</c>: any of the members; the others keep their values.</summary>
internal sealed record RingSettingsChange(string? Algorithm, int? SlotCount, int? PointsPerReplica, int? MaglevTableSize);

/// <summary>The answer of <c>PUT /ring/algorithm</c>.</summary>
internal sealed record RingAlgorithm(long Version, string Algorithm);

/// <summary><c>GET /ring/arcs</c>: the owner at 720 evenly spaced points of the hash space (null: no replica).</summary>
internal sealed record RingArcs(long Version, IReadOnlyList<string?> Owners);

/// <summary><c>PUT /replicas/{name}/weight</c>.</summary>
internal sealed record WeightChange(int Weight);

/// <summary><c>PUT /replicas/{name}/state</c>: <c>drain</c> or <c>up</c>.</summary>
internal sealed record StateChange(string State);

/// <summary>The answer of <c>PUT /replicas/{name}/state</c>.</summary>
internal sealed record ReplicaStateAnswer(string Name, string State, long Version);
