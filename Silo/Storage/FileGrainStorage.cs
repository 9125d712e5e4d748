using System.Diagnostics;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.LoadBalancer.Silo.Storage;

/// <summary>
/// Grain storage in local files, the embedded default: one <see cref="StateFile"/> per grain state in
/// <see cref="StateDirectory.ForService"/>. ETags work as with any Orleans storage: a write whose ETag is not the
/// file's throws <see cref="InconsistentStateException"/>. Silos that share the directory (two silos of one cluster on
/// one machine) share the state, as they would share Redis: each read-check-write holds an exclusive lock on a
/// lock file beside the state file, so a write never lands between another silo's check and its rename.
/// </summary>
internal sealed class FileGrainStorage(string directory, IGrainStorageSerializer serializer) : IGrainStorage
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        using (Lock(path))
        {
            var stored = StateFile.Read(path);
            if (stored is not { } file)
            {
                grainState.State = Activator.CreateInstance<T>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return Task.CompletedTask;
            }

            grainState.State = serializer.Deserialize<T>(new BinaryData(file.Payload));
            grainState.ETag = file.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var payload = serializer.Serialize(grainState.State).ToMemory();
        Directory.CreateDirectory(directory);
        using (Lock(path))
        {
            ThrowIfChanged(path, grainState.ETag);
            var etag = Guid.NewGuid().ToString("N");
            StateFile.Write(path, etag, payload.Span);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        using (Lock(path))
        {
            ThrowIfChanged(path, grainState.ETag);
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            grainState.ETag = null;
            grainState.RecordExists = false;
            grainState.State = Activator.CreateInstance<T>();
        }

        return Task.CompletedTask;
    }

    /// <summary>The file of one grain's state: <c>&lt;state name&gt;-&lt;grain id&gt;.state</c>, with characters a file name cannot hold replaced.</summary>
    public string PathOf(string stateName, GrainId grainId)
    {
        var name = $"{stateName}-{grainId}";
        var invalid = Path.GetInvalidFileNameChars();
        return Path.Combine(directory, string.Concat(name.Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c)) + StateFile.Extension);
    }

    private static void ThrowIfChanged(string path, string? expected)
    {
        var current = StateFile.Read(path)?.ETag;
        if (!string.Equals(current, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"The state in '{path}' has ETag {current ?? "(none)"}, not {expected ?? "(none)"}", current, expected);
        }
    }

    /// <summary>An exclusive lock on <c>&lt;path&gt;.lock</c> across processes (.NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/>).</summary>
    private static FileStream? Lock(string path)
    {
        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            return null;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockTimeout)
            {
                Thread.Sleep(5);
            }
        }
    }
}
