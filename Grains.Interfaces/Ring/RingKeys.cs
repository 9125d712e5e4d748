namespace Orleans.LoadBalancer.Ring;

public static class RingKeys
{
    /// <summary>The key of the cluster's single RingGrain and ReplicaManagerGrain.</summary>
    public const string Default = "default";
}
