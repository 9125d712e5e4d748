using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>The local-process runtime, section <c>Replicas:Process</c>.</summary>
internal sealed class ProcessReplicaOptions : IValidatableObject
{
    public const string Section = "Replicas:Process";

    /// <summary>
    /// The replica program: a <c>.dll</c> (run with the current <c>dotnet</c> host) or an executable.
    /// Empty: the BackendServer built next to the silo.
    /// </summary>
    public string Command { get; set; } = "";

    /// <summary>The address replicas listen on; keep it on loopback.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>
    /// Replicas outlive a silo that dies (the default): they run in their own session, and a registry of running
    /// replicas in <see cref="StateDirectory"/> lets the restarted silo, or another silo on the machine, adopt them.
    /// Off: replicas are children that exit with the silo, even when it is killed.
    /// </summary>
    public bool Detached { get; set; } = true;

    /// <summary>
    /// Detached replicas keep running when the silo stops normally too (SIGTERM, Ctrl+C), for the other silos of a
    /// multi-silo cluster. Off (the embedded default): a normal stop stops every replica of the cluster, adopted ones too.
    /// </summary>
    public bool KeepOnStop { get; set; }

    /// <summary>Where detached replicas are registered (one file per replica, per cluster id).</summary>
    [Required]
    public string StateDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas");

    /// <summary>
    /// Replica processes kept started and idle, so that a new or replacement replica is serving in milliseconds instead
    /// of a process start (seconds on a busy machine). 0 turns it off. Spares are never adopted: the next silo on the
    /// machine stops those of a silo that died.
    /// </summary>
    [Range(0, 16)]
    public int WarmSpares { get; set; } = 1;

    /// <summary>How long a new replica runs at raised priority while it starts (zero: never raised).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan StartBoost { get; set; } = TimeSpan.FromSeconds(5);

    public string ResolveCommand()
    {
        if (!string.IsNullOrWhiteSpace(Command))
        {
            return Path.GetFullPath(Command);
        }

        return Path.Combine(AppContext.BaseDirectory, "Orleans.LoadBalancer.BackendServer.dll");
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(Host, out _))
        {
            yield return new ValidationResult($"must be an IP address replicas can listen on (127.0.0.1), not '{Host}'", [nameof(Host)]);
        }

        if (!string.IsNullOrWhiteSpace(Command) && !File.Exists(ResolveCommand()))
        {
            yield return new ValidationResult($"'{Command}' is not a file (resolved to '{ResolveCommand()}')", [nameof(Command)]);
        }
    }
}
