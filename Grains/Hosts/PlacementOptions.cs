using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>Where replicas run, section <c>Replicas:Placement</c>.</summary>
public sealed class PlacementOptions
{
    public const string Section = "Replicas:Placement";

    /// <summary>
    /// Every silo is a host for replicas: the manager places each new or replacement replica on one of the cluster's
    /// active silos, and that silo starts it with its own runtime. Off (the default): the silo that hosts the manager
    /// starts every replica, as on one machine.
    /// </summary>
    public bool Spread { get; set; }

    /// <summary>
    /// This silo's name as a host (also its Orleans silo name): what <c>/replicas</c> shows and what <see cref="Only"/>,
    /// <see cref="Exclude"/> and <see cref="Pin"/> name. Empty: the advertised address (else the machine name) and the silo port.
    /// </summary>
    public string HostName { get; set; } = "";

    /// <summary>When not empty, replicas are placed on these hosts only.</summary>
    public List<string> Only { get; set; } = [];

    /// <summary>Hosts that never get a new replica (those they run stay until they are replaced).</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>Replica name → host: that replica goes to that host whenever the host is active and allowed.</summary>
    public Dictionary<string, string> Pin { get; set; } = [];

    /// <summary>How long the manager waits for a host to start, stop or list replicas before it takes the host as unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HostCallTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
