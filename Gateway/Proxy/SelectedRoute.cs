using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Where one request goes: the replica's index in the snapshot (-1: none usable), the key's hash for retries, the key
/// itself when the gateway made it up (returned to the client so it can stick to its replica), and the in-flight
/// counters, indexed like the snapshot's replicas, that its place is held in; and the key, for the access log.
/// </summary>
internal readonly record struct SelectedRoute(int Index, ulong Hash, string? GeneratedKey, StrongBox<int>[] Places, string Key);
