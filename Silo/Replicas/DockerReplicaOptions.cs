using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>The Docker runtime, section <c>Replicas:Docker</c>.</summary>
internal sealed partial class DockerReplicaOptions : IValidatableObject
{
    public const string Section = "Replicas:Docker";

    private const string DockerName = DockerNames.Pattern;

    // The engine's bounds: 0.01 of a CPU at least (more than the host has is refused when a container is created).
    private const double MinimumCpus = 0.01;
    private const double MaximumCpus = 1024;

    /// <summary>The engine; empty: <c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>.</summary>
    public string Endpoint { get; set; } = "";

    [Required]
    public string Image { get; set; } = "orleans-lb/backend:dev";

    /// <summary>A user-defined bridge network, created when missing.</summary>
    [Required, RegularExpression(DockerName, ErrorMessage = "Replicas:Docker:Network must be a Docker network name.")]
    public string Network { get; set; } = "load_balancer_net1";

    /// <summary>
    /// Marks the containers that belong to this cluster (label <c>orleans-lb.cluster</c>, and part of their names).
    /// Empty (the default): <c>Cluster:ClusterId</c>, so that two clusters on one engine never take each other's
    /// containers for strays.
    /// </summary>
    [StringLength(63), RegularExpression(DockerName, ErrorMessage = "Replicas:Docker:ClusterId may hold letters, digits, '_', '.' and '-', starting with a letter or digit.")]
    public string ClusterId { get; set; } = "";

    /// <summary>
    /// <c>Loopback</c>: the silo runs on the host; each container's port is published on 127.0.0.1 at an ephemeral port.
    /// <c>Network</c>: the silo runs in a container on the same network and reaches replicas by container name.
    /// </summary>
    public DockerAddressMode AddressMode { get; set; } = DockerAddressMode.Loopback;

    [Range(1, 65535)]
    public int ContainerPort { get; set; } = 5000;

    [Range(0, 300)]
    public int StopTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// As Kubernetes' <c>imagePullPolicy</c>: <c>IfNotPresent</c> pulls the image when the engine lacks it,
    /// <c>Always</c> before every start, <c>Never</c> fails the start of a replica whose image is missing.
    /// </summary>
    public DockerPullPolicy PullPolicy { get; set; } = DockerPullPolicy.IfNotPresent;

    /// <summary>Variables added to each replica's environment; the runtime's own (<c>SERVER_ID</c>, <c>PORT</c>) are refused.</summary>
    public Dictionary<string, string?> Environment { get; set; } = [];

    /// <summary>Mounts as <c>docker run -v</c> takes them: <c>source:target[:ro|rw]</c> (see <see cref="DockerVolume"/>).</summary>
    public List<string> Volumes { get; set; } = [];

    /// <summary>CPUs each replica may use (<c>docker run --cpus</c>: 0.5 is half of one); empty: no limit.</summary>
    public double? Cpus { get; set; }

    /// <summary>Memory each replica may use (<c>docker run --memory</c>: <c>256m</c>, <c>1g</c>); empty: no limit.</summary>
    public string Memory { get; set; } = "";

    /// <summary><see cref="Cpus"/> as the engine takes it; 0: no limit.</summary>
    public long NanoCpus => Cpus is { } cpus ? (long)Math.Round(cpus * 1e9) : 0;

    /// <summary><see cref="Memory"/> in bytes; 0: no limit.</summary>
    public long MemoryBytes => DockerMemorySize.TryParse(Memory, out var bytes) ? bytes : 0;

    public IEnumerable<DockerVolume> Mounts => Volumes.Select(v => DockerVolume.Parse(v, out _)).OfType<DockerVolume>();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, _) in Environment)
        {
            if (!VariableName().IsMatch(name))
            {
                yield return new ValidationResult(
                    $"'{name}' is not an environment variable name (letters, digits, '_', '.', '-', not starting with a digit)", [$"{nameof(Environment)}:{name}"]);
            }
            else if (DockerContainerSpec.RuntimeVariables.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ValidationResult(
                    $"{name} is set by the runtime ({string.Join(", ", DockerContainerSpec.RuntimeVariables)}); it cannot be given here", [$"{nameof(Environment)}:{name}"]);
            }
        }

        var targets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Volumes.Count; i++)
        {
            var key = $"{nameof(Volumes)}:{i.ToString(CultureInfo.InvariantCulture)}";
            if (DockerVolume.Parse(Volumes[i], out var error) is not { } volume)
            {
                yield return new ValidationResult(error, [key]);
            }
            else if (!targets.Add(volume.Target.TrimEnd('/')))
            {
                yield return new ValidationResult($"'{Volumes[i]}': another volume is mounted at {volume.Target} already", [key]);
            }
        }

        if (Cpus is { } cpus && !(cpus >= MinimumCpus && cpus <= MaximumCpus))
        {
            yield return new ValidationResult(
                $"{cpus.ToString(CultureInfo.InvariantCulture)} is not a number of CPUs from {MinimumCpus.ToString(CultureInfo.InvariantCulture)} to {MaximumCpus.ToString(CultureInfo.InvariantCulture)}", [nameof(Cpus)]);
        }

        if (!string.IsNullOrWhiteSpace(Memory))
        {
            if (!DockerMemorySize.TryParse(Memory, out var bytes))
            {
                yield return new ValidationResult($"'{Memory}' is not a memory size (bytes, or a number with k, m, g or t: 256m, 1.5g)", [nameof(Memory)]);
            }
            else if (bytes < DockerMemorySize.Minimum)
            {
                yield return new ValidationResult($"'{Memory}' is less than the engine's minimum, 6m", [nameof(Memory)]);
            }
        }
    }

    public string ResolveEndpoint() =>
        !string.IsNullOrWhiteSpace(Endpoint) ? Endpoint
        : System.Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host
        : "unix:///var/run/docker.sock";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex VariableName();
}

internal enum DockerAddressMode
{
    Loopback,
    Network,
}

internal enum DockerPullPolicy
{
    IfNotPresent,
    Always,
    Never,
}
