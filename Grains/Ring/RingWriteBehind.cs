using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// Stores the published ring after it is published (health changes, which the runtime can always tell again): as soon
/// as storage answers, retrying every second while it does not, one write at a time. When storage turns out to hold a
/// table change this activation took as failed, the stored table wins and the health marks stay.
/// </summary>
internal sealed class RingWriteBehind(RingStore store, RingPublisher publisher, Action deactivate, ILogger logger)
{
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(1);

    /// <summary>How often storage is read to find a lost ring (a flushed Redis, a deleted file) and write it back.</summary>
    public static readonly TimeSpan LossCheck = TimeSpan.FromSeconds(3);

    private bool _unstored;
    private Task? _storing;

    /// <summary>Stores the published ring once storage can take it.</summary>
    public void StoreLater()
    {
        _unstored = true;
        if (_storing is not { IsCompleted: false })
        {
            _storing = StoreUntilStoredAsync();
        }
    }

    /// <summary>One last attempt to store what is published, when something is not stored yet (on deactivation).</summary>
    public async Task FlushAsync()
    {
        if (_unstored)
        {
            await TryStoreAsync();
        }
    }

    /// <summary>
    /// Writes the published ring back when storage has lost it, so that a ring lost from storage is back within
    /// <see cref="LossCheck"/> rather than at the next change (nor lost for good when the silo dies before one).
    /// </summary>
    public async Task RestoreIfLostAsync(CancellationToken cancellation)
    {
        if (_storing is { IsCompleted: false })
        {
            return;
        }

        try
        {
            if (await store.RestoreIfLostAsync(publisher.Ring))
            {
                logger.LogWarning("Wrote ring version {Version} back: storage had lost it", publisher.Ring.Version);
            }
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            logger.LogError(ex, "Another activation has taken the ring over; this one stops");
            deactivate();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read the stored ring to check it is there; checking again in {Period}", LossCheck);
        }
    }

    /// <summary>Stores the published ring until storage takes it, retrying while storage does not answer.</summary>
    private async Task StoreUntilStoredAsync()
    {
        var failures = 0;
        while (_unstored)
        {
            if (await TryStoreAsync())
            {
                if (failures > 0)
                {
                    logger.LogInformation("Stored ring version {Version} after {Failures} failed attempts", publisher.Ring.Version, failures);
                    failures = 0;
                }

                continue;
            }

            failures++;
            await Task.Delay(StoreRetry);
        }
    }

    private async Task<bool> TryStoreAsync()
    {
        _unstored = false;
        var ring = publisher.Ring;
        try
        {
            var stored = await store.WriteAsync(ring);
            if (!ReferenceEquals(stored, ring))
            {
                // Storage holds a table change this activation took as failed: the stored table wins, health marks stay.
                var current = publisher.Ring.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                await publisher.PublishAsync(stored.Next(Math.Max(stored.Version, publisher.Ring.Version) + 1, stored.CurrentTable,
                    stored.Replicas.Select(r => current.GetValueOrDefault(r.Name, r)).ToList()));
                _unstored = true;
            }

            return true;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            logger.LogError(ex, "Another activation has taken the ring over; this one stops");
            _unstored = false;
            deactivate();
            return true;
        }
        catch (Exception ex)
        {
            _unstored = true;
            logger.LogWarning(ex, "Could not store ring version {Version}; routing on it meanwhile, retrying every {Retry}", ring.Version, StoreRetry);
            return false;
        }
    }
}
