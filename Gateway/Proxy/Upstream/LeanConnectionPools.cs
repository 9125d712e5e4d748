using System.Collections.Concurrent;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// One <see cref="LeanConnectionPool"/> per replica authority (<c>http://host:port</c>), made on first use, and a timer
/// that closes connections idle past <see cref="LeanClientSettings.IdleTimeout"/>.
/// </summary>
internal sealed class LeanConnectionPools(LeanClientSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, LeanConnectionPool> _pools = new(StringComparer.Ordinal);
    private Timer? _sweeper;

    public LeanClientSettings Settings => settings;

    /// <summary>The pool for a replica: <paramref name="authority"/> is its <c>http://host:port</c>; a new pool reads <paramref name="address"/>.</summary>
    public LeanConnectionPool For(ReadOnlySpan<char> authority, Uri address) =>
        _pools.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(authority, out var pool) ? pool : Add(authority, address);

    /// <summary>The same for an address written as text (<c>http://host:port[/…]</c>).</summary>
    public LeanConnectionPool For(ReadOnlySpan<char> authority, string address) =>
        _pools.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(authority, out var pool) ? pool : Add(authority, new Uri(address));

    private LeanConnectionPool Add(ReadOnlySpan<char> authority, Uri address)
    {
        lock (_pools)
        {
            _sweeper ??= new Timer(_ => Sweep(), null, settings.IdleTimeout / 2, settings.IdleTimeout / 2);
            return _pools.GetOrAdd(authority.ToString(), static (_, state) => new LeanConnectionPool(state.address, state.settings), (address, settings));
        }
    }

    /// <summary>Open and idle connections to a replica (<c>http://host:port</c>), for tests and metrics.</summary>
    public (int Open, int Idle) ConnectionsTo(Uri replica) =>
        _pools.TryGetValue(replica.GetLeftPart(UriPartial.Authority), out var pool) ? (pool.OpenConnections, pool.IdleConnections) : (0, 0);

    private void Sweep()
    {
        foreach (var pool in _pools.Values)
        {
            pool.CloseExpired();
        }
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        foreach (var pool in _pools.Values)
        {
            pool.CloseAll();
        }
    }
}
