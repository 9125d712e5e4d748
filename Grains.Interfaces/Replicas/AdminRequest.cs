using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// The body of <c>POST /add</c> and <c>DELETE /rm</c>: the seed's <c>{"n": 2, "hostnames": ["a", "b"]}</c> (on
/// <c>/add</c> with an optional <c>"weight"</c> for every new replica), or on <c>/add</c>
/// <c>{"replicas": [{"name": "api-7", "address": "http://10.0.0.7:8080", "weight": 2}]}</c>: existing replicas
/// registered by address (<see cref="Replicas"/> not null; <see cref="Count"/> is their number).
/// </summary>
public sealed record AdminRequest(
    int Count,
    IReadOnlyList<string> Hostnames,
    int Weight = ReplicaSetRules.DefaultWeight,
    IReadOnlyList<ReplicaRecord>? Replicas = null);
