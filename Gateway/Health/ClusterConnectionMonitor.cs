namespace Orleans.LoadBalancer.Gateway.Health;

/// <summary>How many of the cluster's gateways this Orleans client is connected to, as the client reports it.</summary>
internal sealed class ClusterConnectionMonitor : IClusterConnectionStatusObserver
{
    private int _gateways;

    public int ConnectedGateways => Volatile.Read(ref _gateways);

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        Volatile.Write(ref _gateways, currentNumberOfGateways);

    public void NotifyClusterConnectionLost() => Volatile.Write(ref _gateways, 0);
}
