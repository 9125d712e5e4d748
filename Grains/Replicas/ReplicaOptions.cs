using System.ComponentModel.DataAnnotations;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Replica lifecycle settings, section <c>Replicas</c>.</summary>
public sealed class ReplicaOptions : IValidatableObject
{
    public const string Section = "Replicas";

    /// <summary><c>Process</c> (the embedded default: local child processes) or <c>Docker</c>.</summary>
    [Required]
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

    /// <summary>How often each replica's heartbeat is probed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one probe may take; a replica that accepts but never answers fails by this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// Failed probes in a row before a replica is marked down (its keys go to the others). It is replaced at once only
    /// when it is gone (its address refuses connections, or the runtime says it exited); see <see cref="DeadAfter"/>.
    /// </summary>
    [Range(1, 100)]
    public int FailuresBeforeDead { get; set; } = 2;

    /// <summary>
    /// How long a replica that still runs may go without answering its heartbeat before it is replaced (stopped with
    /// <see cref="StopGrace"/>, then started again). Until then it is only marked down, and marked up again, with the
    /// same process and the requests it held, when it answers: a long GC pause or a SIGSTOP does not cost its work.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The assignment's behaviour: replace a dead replica by one with a new random name (removed and added, so keys move).
    /// By default the replacement keeps the name and takes back exactly the same keys.
    /// </summary>
    public bool ReplaceWithNewName { get; set; }

    /// <summary>
    /// Slow start: a new, recovered or replacement replica's weight ramps from a tenth to its whole weight in nine steps
    /// over this long (each step one version of the ring). Zero (the default) is off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SlowStart { get; set; }

    /// <summary>The longest wait between respawns of a replica that keeps dying.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRestartBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Restarts in a row (without <see cref="StableAfter"/> between) after which a replica is reported as failed.</summary>
    [Range(1, 1000)]
    public int FailedAfterRestarts { get; set; } = 5;

    /// <summary>
    /// A replica that stays healthy this long after a restart no longer counts as crashing: its crash streak, which
    /// drives the restart backoff and <see cref="FailedAfterRestarts"/>, starts again from zero.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the runtime's replicas are compared with the ring (strays removed, vanished ones respawned).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often every silo calls the manager. After the silo hosting it dies, the next call reactivates it elsewhere,
    /// so the health loop resumes within about this long once the cluster has declared that silo dead.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a removed replica keeps running for the requests in flight on it: it is stopped once every gateway
    /// reports none left, or after this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping replica has between SIGTERM and a kill (Docker keeps its own <c>Replicas:Docker:StopTimeoutSeconds</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What the health loop asks an external replica: <c>GET</c> of this path, healthy on 2xx and 3xx.</summary>
    [Required]
    public string ExternalHealthPath { get; set; } = "/";

    /// <summary>Existing backends, registered by address when the replica manager activates (see <see cref="StaticReplica"/>).</summary>
    public List<StaticReplica> Static { get; set; } = [];

    /// <summary>Rules across settings; runs only once every property passes its own attributes.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InitialCount > MaxCount)
        {
            yield return new ValidationResult(
                $"InitialCount ({InitialCount}) must not exceed MaxCount ({MaxCount}).", [nameof(InitialCount)]);
        }

        if (!ExternalHealthPath.StartsWith('/') || ExternalHealthPath.Any(char.IsControl))
        {
            yield return new ValidationResult($"'{ExternalHealthPath}' must be a path starting with '/'.", [nameof(ExternalHealthPath)]);
        }

        for (var i = 0; i < Static.Count; i++)
        {
            if (Static[i].ProtocolError is { } protocol)
            {
                yield return new ValidationResult($"{protocol}.", [$"{nameof(Static)}:{i}"]);
            }
        }

        var entries = Static.Select(s => s.AsGiven()).ToList();
        foreach (var (entry, error) in ReplicaSetRules.ValidateStatic(entries, MaxCount))
        {
            yield return new ValidationResult($"{error}.", [entry is { } i ? $"{nameof(Static)}:{i}" : nameof(Static)]);
        }
    }
}
