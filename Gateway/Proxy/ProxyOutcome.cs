using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>What the proxy did with one request (the replica now answering, the attempts, the key it made up), read back when the response is copied.</summary>
internal sealed class ProxyOutcome
{
    public required string Replica { get; set; }

    /// <summary>The routing key when the gateway made it up; returned to the client so it can stick to it.</summary>
    public string? GeneratedKey { get; init; }

    /// <summary>The routing key's position on the ring: what a trace tells of the key, never the key itself.</summary>
    public ulong KeyHash { get; init; }

    /// <summary>
    /// The <c>Set-Cookie</c> the key chain issued with a generated key; put back whenever the response is cleared for a
    /// retry or an error, so the client still learns the key it was routed by.
    /// </summary>
    public StringValues IssuedCookie { get; init; }

    /// <summary>How many replicas were tried; above 1, returned to the client in <c>X-Attempts</c> (like Envoy's attempt count).</summary>
    public int Attempts { get; set; } = 1;

    /// <summary><c>Gateway:ReplicaTimeout</c> as the request read it with its settings: how long each attempt may wait for the response head.</summary>
    public TimeSpan ResponseHeadersTimeout { get; init; }

    /// <summary>The access log is on: each attempt's time is added to <see cref="UpstreamTicks"/>.</summary>
    public bool Timed { get; init; }

    /// <summary>Stopwatch ticks spent with replicas, every attempt summed (only when <see cref="Timed"/>).</summary>
    public long UpstreamTicks { get; set; }

    /// <summary>The replica answered 101: the exchange became an upgraded connection (<see cref="UpgradedConnections"/>).</summary>
    public bool Upgraded { get; set; }

    /// <summary>The settings the request runs with; for the retry decision taken when a replica's response head arrives.</summary>
    public required GatewaySettings Settings { get; init; }

    /// <summary>The snapshot the request was routed with, and its route: where a retry would go.</summary>
    public required RoutingSnapshot Snapshot { get; init; }

    public required SelectedRoute Route { get; init; }

    /// <summary>The replicas tried so far, by index in <see cref="Snapshot"/>, the first <see cref="Attempts"/> of it; made at the first failure.</summary>
    public int[]? Tried { get; set; }

    /// <summary>The replica answered a status retried elsewhere: its response was held back, nothing of it sent to the client.</summary>
    public bool RetryPending { get; set; }
}
