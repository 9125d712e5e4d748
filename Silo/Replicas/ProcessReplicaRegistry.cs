using System.Globalization;
using System.Text.Json;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// The replica processes of one cluster on this machine, on disk: <c>&lt;StateDirectory&gt;/&lt;cluster&gt;/&lt;pid&gt;.json</c>
/// holds a replica (so that the next silo adopts it), <c>spares/&lt;pid&gt;.json</c> a detached warm spare
/// (<see cref="SpareRegistration"/>). A file only says what was started: whether its process still runs is
/// <see cref="ProcessIdentity"/>'s to tell.
/// </summary>
internal sealed class ProcessReplicaRegistry
{
    private readonly string _spares;
    private readonly ILogger _logger;

    public ProcessReplicaRegistry(string stateDirectory, string clusterId, ILogger logger)
    {
        Path = System.IO.Path.Combine(stateDirectory, clusterId);
        _spares = System.IO.Path.Combine(Path, "spares");
        _logger = logger;
        Directory.CreateDirectory(Path);
    }

    /// <summary>The cluster's directory.</summary>
    public string Path { get; }

    public bool Exists => Directory.Exists(Path);

    /// <summary>Registers <paramref name="instance"/> under its process id; throws when the file cannot be written.</summary>
    public void Register(ReplicaInstance instance) =>
        File.WriteAllText(ReplicaFile(int.Parse(instance.RuntimeId, CultureInfo.InvariantCulture)), JsonSerializer.Serialize(instance));

    public void Unregister(int pid)
    {
        try
        {
            File.Delete(ReplicaFile(pid));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not unregister replica process {ProcessId}", pid);
        }
    }

    /// <summary>Every replica registered, as started; unreadable files are skipped.</summary>
    public IEnumerable<ReplicaInstance> Replicas() =>
        ReadAll<ReplicaInstance>(Path).Select(entry => entry.Value).OfType<ReplicaInstance>();

    /// <summary>Registers the detached spare <paramref name="pid"/>; throws when the file cannot be written.</summary>
    public void RegisterSpare(int pid, SpareRegistration registration)
    {
        Directory.CreateDirectory(_spares);
        File.WriteAllText(SpareFile(pid), JsonSerializer.Serialize(registration));
    }

    public void UnregisterSpare(int pid) => DeleteQuietly(SpareFile(pid));

    public bool IsSpare(int pid) => File.Exists(SpareFile(pid));

    /// <summary>Every spare registered, with the file it is registered in; unreadable files are skipped.</summary>
    public IEnumerable<(string File, SpareRegistration? Registration)> Spares() =>
        Directory.Exists(_spares) ? ReadAll<SpareRegistration>(_spares) : [];

    public void DeleteQuietly(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete {File}", file);
        }
    }

    /// <summary>Each registration file in <paramref name="directory"/> with what it holds; files that cannot be read are skipped.</summary>
    private static IEnumerable<(string File, T? Value)> ReadAll<T>(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            T? value;
            try
            {
                value = JsonSerializer.Deserialize<T>(File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                continue;
            }

            yield return (file, value);
        }
    }

    private string ReplicaFile(int pid) => System.IO.Path.Combine(Path, $"{pid}.json");

    private string SpareFile(int pid) => System.IO.Path.Combine(_spares, $"{pid}.json");
}
