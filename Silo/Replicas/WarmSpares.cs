using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Replica processes started ahead of need (<see cref="ProcessReplicaOptions.WarmSpares"/>), listening and warmed up,
/// so that a replica starts by naming one. Never adopted: they exit with a normal stop, and the next silo stops the
/// spares of one that died. Naming a spare (<c>POST /admin/identity</c>) is optional for the replica program: the first
/// spare that answers 404, 405 or 501 turns spares off for this runtime, logged once, and replicas start cold.
/// </summary>
internal sealed class WarmSpares(ProcessReplicaOptions options, ReplicaProcessLauncher launcher, ProcessReplicaRegistry registry, ILogger logger)
{
    private static readonly HttpClient SpareClient = new(new SocketsHttpHandler { UseProxy = false });

    private readonly ConcurrentQueue<ReplicaInstance> _ready = new();
    private int _starting;
    private volatile bool _unsupported;

    /// <summary>The runtime ids of the spares waiting to be taken.</summary>
    public HashSet<string> Waiting() => new(_ready.Select(s => s.RuntimeId), StringComparer.Ordinal);

    /// <summary>
    /// Puts a warm spare to work under <paramref name="name"/>, or returns null when none is ready; a spare that does not
    /// take the name is stopped with <paramref name="stop"/>.
    /// </summary>
    public async Task<ReplicaInstance?> TakeAsync(string name, Func<ReplicaInstance, Task> stop, CancellationToken cancellationToken)
    {
        while (_ready.TryDequeue(out var spare))
        {
            if (_unsupported)
            {
                await stop(spare);
                continue;
            }

            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await SpareClient.PostAsync(spare.Address + "/admin/identity", new StringContent(name), cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    registry.UnregisterSpare(int.Parse(spare.RuntimeId, CultureInfo.InvariantCulture));
                    logger.LogInformation("Replica {Replica} is the warm spare process {ProcessId} on {Address}", name, spare.RuntimeId, spare.Address);
                    return spare with { Name = name };
                }

                if (IsNotImplemented(response.StatusCode))
                {
                    _unsupported = true;
                    logger.LogWarning(
                        "The replica program answered POST /admin/identity with {Status}: it cannot take a name once started, so warm spares are off "
                        + "and replicas start cold (set Replicas:Process:WarmSpares=0 to say so)", (int)response.StatusCode);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet, or gone: start normally rather than wait.
            }

            await stop(spare);
        }

        return null;
    }

    /// <summary>Starts spares in the background until <see cref="ProcessReplicaOptions.WarmSpares"/> are waiting.</summary>
    public void Replenish()
    {
        while (!_unsupported && _ready.Count + Volatile.Read(ref _starting) < options.WarmSpares)
        {
            Interlocked.Increment(ref _starting);
            _ = Task.Run(async () =>
            {
                try
                {
                    var spare = launcher.Launch("spare", spare: true);
                    // Queued once it answers, so that taking it never waits for a process start.
                    for (var i = 0; i < 200 && !IsListening(spare.Address); i++)
                    {
                        await Task.Delay(50);
                    }

                    // One request through its pipeline, so that its first real requests do not pay for compiling it.
                    try
                    {
                        using var warm = await SpareClient.GetAsync(spare.Address + "/heartbeat");
                    }
                    catch (HttpRequestException)
                    {
                    }

                    _ready.Enqueue(spare);
                }
                catch (ReplicaStartException ex)
                {
                    logger.LogWarning(ex, "Could not start a warm spare");
                }
                finally
                {
                    Interlocked.Decrement(ref _starting);
                }
            });
        }
    }

    /// <summary>Stops the detached spares whose silo is gone (killed): nothing else would ever stop them.</summary>
    public void StopOrphans()
    {
        foreach (var (file, registration) in registry.Spares())
        {
            if (registration is null || !int.TryParse(Path.GetFileNameWithoutExtension(file), CultureInfo.InvariantCulture, out var pid)
                || registration.Owner == Environment.ProcessId || ProcessIdentity.IsSilo(registration.Owner))
            {
                continue;
            }

            if (ProcessIdentity.IsReplica(pid, registration.Address) && ProcessIdentity.TryGetProcess(pid) is { } process)
            {
                using (process)
                {
                    ProcessTermination.Kill(process);
                }

                logger.LogInformation("Stopped the warm spare process {ProcessId} of silo process {Owner}, which is gone", pid, registration.Owner);
            }

            registry.DeleteQuietly(file);
        }
    }

    private static bool IsNotImplemented(HttpStatusCode status) =>
        status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented;

    private static bool IsListening(string address)
    {
        var uri = new Uri(address);
        try
        {
            using var client = new TcpClient();
            client.Connect(uri.Host, uri.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
