namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What the manager must do after a probe.</summary>
internal enum HealthAction
{
    None,

    /// <summary>Mark the replica down in the ring; no replacement yet (it may answer again, or its backoff runs).</summary>
    MarkDown,

    /// <summary>Replace a replica the ring already has down.</summary>
    Replace,

    /// <summary>Mark the replica down in the ring, then replace it.</summary>
    MarkDownAndReplace,
}
