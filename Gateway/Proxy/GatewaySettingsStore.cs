namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The gateway's current <see cref="GatewaySettings"/>: one volatile read per request, replaced atomically by
/// <see cref="GatewaySettingsReloader"/>, as the ring snapshot is.
/// </summary>
internal sealed class GatewaySettingsStore
{
    private GatewaySettings _current;

    internal GatewaySettingsStore(GatewaySettings initial) => _current = initial;

    public GatewaySettings Current => Volatile.Read(ref _current);

    internal void Replace(GatewaySettings settings) => Volatile.Write(ref _current, settings);
}
