namespace Orleans.LoadBalancer.Replicas;

[GenerateSerializer]
public enum AdminError
{
    None,

    /// <summary>The request was wrong; nothing changed.</summary>
    InvalidRequest,

    /// <summary>A replica could not be started or stopped; nothing changed in the ring.</summary>
    RuntimeFailure,

    /// <summary>The request names a replica the ring does not have; nothing changed.</summary>
    NotFound,
}
