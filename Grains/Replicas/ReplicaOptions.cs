using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Replica lifecycle settings, section <c>Replicas</c>.</summary>
public sealed class ReplicaOptions
{
    public const string Section = "Replicas";

    /// <summary><c>Process</c> (the embedded default: local child processes) or <c>Docker</c>.</summary>
    [Required, RegularExpression("^(Process|Docker)$", ErrorMessage = "Replicas:Runtime must be 'Process' or 'Docker'.")]
    public string Runtime { get; set; } = "Process";

    /// <summary>Replicas a new cluster starts with, named <c>Server 1</c>, <c>Server 2</c>, … as in the seed.</summary>
    [Range(0, 1024)]
    public int InitialCount { get; set; } = 3;

    /// <summary>The most replicas the cluster may hold at once.</summary>
    [Range(1, 1024)]
    public int MaxCount { get; set; } = 64;

    /// <summary>How long a new replica may take to answer its heartbeat before the start counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(20);

    [Required]
    public string HeartbeatPath { get; set; } = "/heartbeat";
}
