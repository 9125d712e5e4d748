namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// The outcome of an admin request: on success the replica names after it (old ones first) and the snapshot version
/// that carries the change; on failure what went wrong, and the replicas as they still are.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Replicas.AdminResult")]
public sealed record AdminResult(
    [property: Id(0)] AdminError Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] IReadOnlyList<string> Replicas,
    [property: Id(3)] long Version)
{
    public bool Succeeded => Error == AdminError.None;

    public static AdminResult Success(IReadOnlyList<string> replicas, long version) => new(AdminError.None, null, replicas, version);

    public static AdminResult Invalid(string message, IReadOnlyList<string> replicas, long version) =>
        new(AdminError.InvalidRequest, message, replicas, version);

    public static AdminResult NotFound(string message, IReadOnlyList<string> replicas, long version) =>
        new(AdminError.NotFound, message, replicas, version);

    public static AdminResult RuntimeFailure(string message, IReadOnlyList<string> replicas, long version) =>
        new(AdminError.RuntimeFailure, message, replicas, version);
}
