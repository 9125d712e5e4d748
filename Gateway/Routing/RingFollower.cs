using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Routing;

/// <summary>
/// Keeps <see cref="RingSnapshotStore"/> current: the RingGrain pushes each new snapshot to this observer, and a
/// background loop renews the subscription and pulls by version, healing missed pushes and grain reactivations.
/// Start-up completes only once the first snapshot is in, so the gateway never serves without a ring.
/// </summary>
internal sealed class RingFollower(
    IClusterClient client,
    RingSnapshotStore store,
    IOptions<GatewayOptions> options,
    ILogger<RingFollower> logger) : IHostedService, IRingObserver, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IRingObserver? _reference;
    private Task? _loop;
    private long _deltasInstalled;
    private long _wholeInstalled;

    /// <summary>How many snapshots this follower installed from deltas, and how many whole (pushed, pulled or renewed).</summary>
    public (long Deltas, long Whole) Installed => (Interlocked.Read(ref _deltasInstalled), Interlocked.Read(ref _wholeInstalled));

    private IRingGrain Ring => client.GetGrain<IRingGrain>(RingKeys.Default);

    private TimeSpan RenewTimeout => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, 3 * options.Value.RingRefreshInterval.Ticks));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Held in a field: the runtime keeps only a weak reference to the observer object.
        _reference = client.CreateObjectReference<IRingObserver>(this);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Install(await Ring.Subscribe(_reference, store.Current.RingId, store.Current.Epoch, store.Current.Version), "subscribe");
                break;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not get the ring yet (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 2000)), cancellationToken);
            }
        }

        _loop = FollowAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }

        if (_reference is not null)
        {
            try
            {
                await Ring.Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Could not unsubscribe from the ring");
            }

            client.DeleteObjectReference<IRingObserver>(_reference);
        }
    }

    public Task OnSnapshot(RoutingSnapshot snapshot)
    {
        Install(snapshot, "push");
        return Task.CompletedTask;
    }

    public async Task OnDelta(RoutingDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var current = store.Current;
        if (current.Apply(delta) is { } snapshot)
        {
            Install(snapshot, "delta");
        }
        else if (delta.Supersedes(current))
        {
            // This gateway missed a version (or the delta did not rebuild the table): fetch the whole snapshot.
            logger.LogInformation("Ring delta {BaseVersion} → {Version} does not apply to version {Current}; fetching the whole snapshot", delta.BaseVersion, delta.Version, current.Version);
            try
            {
                if (await Ring.GetSnapshotIfNewer(store.Current.RingId, store.Current.Epoch, store.Current.Version) is { } whole)
                {
                    Install(whole, "pull");
                }
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not fetch ring version {Version}; the next renewal will", delta.Version);
            }
        }
    }

    /// <summary>Installs a snapshot the RingGrain returned to a call of this gateway's (a settings change).</summary>
    public void Adopt(RoutingSnapshot snapshot) => Install(snapshot, "change");

    /// <summary>Pulls the snapshot now unless the store already has <paramref name="minimumVersion"/>.</summary>
    public async Task RefreshAsync(long minimumVersion)
    {
        if (store.Current.Version >= minimumVersion)
        {
            return;
        }

        if (await Ring.GetSnapshotIfNewer(store.Current.RingId, store.Current.Epoch, store.Current.Version) is { } snapshot)
        {
            Install(snapshot, "pull");
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.RingRefreshInterval);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                // Renewing also re-creates the subscription after the RingGrain was reactivated elsewhere. A call stuck
                // on a silo that died is given up after a few intervals, so the next renewal can reach the new one.
                var renewal = Ring.Subscribe(_reference!, store.Current.RingId, store.Current.Epoch, store.Current.Version);
                Install(await renewal.WaitAsync(RenewTimeout, cancellationToken), "renew");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping while a renewal was under way.
                return;
            }
            catch (TimeoutException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("The ring did not answer within {Timeout}; routing continues on version {Version}", RenewTimeout, store.Current.Version);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not renew the ring subscription; routing continues on version {Version}", store.Current.Version);
            }
        }
    }

    private void Install(RoutingSnapshot? snapshot, string source)
    {
        if (snapshot is null)
        {
            return;
        }

        var current = store.Current;
        if (current.RingId != Guid.Empty && current.RingId != snapshot.RingId && snapshot.Count == 0 && current.Count > 0)
        {
            // A restarted silo's new ring is empty until it has rebuilt itself from the running replicas: keep routing
            // on the last ring meanwhile, rather than refuse every request.
            logger.LogInformation("The cluster's ring was created anew ({NewRing}) and is still empty; routing continues on version {Version}", snapshot.RingId, current.Version);
            return;
        }

        if (store.TryUpdate(snapshot))
        {
            Interlocked.Increment(ref source == "delta" ? ref _deltasInstalled : ref _wholeInstalled);
            if (current.RingId != Guid.Empty && current.RingId != snapshot.RingId)
            {
                logger.LogWarning("The cluster's ring was created anew ({OldRing} → {NewRing}); routing on the new one", current.RingId, snapshot.RingId);
            }

            logger.LogInformation(
                "Routing on ring version {Version} ({Count} replicas, {Algorithm}) from {Source}",
                snapshot.Version, snapshot.Count, snapshot.Settings.Algorithm, source);
        }
    }
}
