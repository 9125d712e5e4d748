using System.Collections.Concurrent;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The upgraded connections (WebSockets) this gateway relays, by the replica each is on: taken in when the replica
/// answers 101, let go when the relay ends. <see cref="UpgradedConnectionCloser"/> closes those on a replica that left routing.
/// </summary>
internal sealed class UpgradedConnections
{
    private readonly ConcurrentDictionary<HttpContext, string> _open = new();

    public int Count => _open.Count;

    public void Add(HttpContext context, string replica) => _open[context] = replica;

    public void Remove(HttpContext context) => _open.TryRemove(context, out _);

    /// <summary>The replicas that hold at least one.</summary>
    public IReadOnlySet<string> Replicas() => _open.Values.ToHashSet(StringComparer.Ordinal);

    /// <summary>Ends every one on <paramref name="replica"/> (both of its connections are closed); returns how many.</summary>
    public int Close(string replica)
    {
        var closed = 0;
        foreach (var (context, name) in _open)
        {
            if (name == replica && _open.TryRemove(context, out _))
            {
                context.Abort();
                closed++;
            }
        }

        return closed;
    }
}
