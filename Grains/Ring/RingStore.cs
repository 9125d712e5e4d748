using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// The RingGrain's storage, one write at a time. A write that fails may still have reached storage (a timeout after
/// the fact), or storage may have lost the ring (a flushed or evicted key): the store reads back what storage holds
/// and decides from that, never assuming the write undone.
/// </summary>
internal sealed class RingStore(IPersistentState<RingGrainState> state, ILogger logger)
{
    private readonly SemaphoreSlim _writes = new(1, 1);

    /// <summary>What storage held when the grain activated.</summary>
    public RingGrainState Loaded => state.State;

    /// <summary>
    /// Stores <paramref name="ring"/> and returns what storage holds afterwards: <paramref name="ring"/> itself, or a
    /// stored ring this activation does not know (a change of its own whose write seemed to fail), which the caller
    /// adopts. Throws when storage cannot say (the caller publishes nothing), and <see cref="InconsistentStateException"/>
    /// when another activation has taken the ring over.
    /// </summary>
    public async Task<RingGrainState> WriteAsync(RingGrainState ring)
    {
        await _writes.WaitAsync();
        try
        {
            ring.Change = Guid.NewGuid();
            state.State = ring;
            try
            {
                await state.WriteStateAsync();
                return ring;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Storing ring version {Version} failed; reading back what storage holds", ring.Version);
            }

            await state.ReadStateAsync();
            var stored = state.State;
            if (!state.RecordExists)
            {
                logger.LogWarning("Storage holds no ring {RingId}: it was lost; writing version {Version} back", ring.RingId, ring.Version);
            }
            else if (stored.Change == ring.Change)
            {
                logger.LogInformation("Ring version {Version} had been stored after all", ring.Version);
                return ring;
            }
            else if (stored.RingId != ring.RingId || stored.Epoch > ring.Epoch)
            {
                throw new InconsistentStateException(
                    $"Storage holds ring {stored.RingId} epoch {stored.Epoch}; this activation has ring {ring.RingId} epoch {ring.Epoch}");
            }
            else if (stored.Version >= ring.Version)
            {
                logger.LogWarning("Storage holds ring version {Stored}, a change this activation took as failed; adopting it", stored.Version);
                return stored;
            }

            // Storage is behind what this activation has published (the write never landed, or storage lost the ring):
            // write it again over what storage holds now.
            state.State = ring;
            await state.WriteStateAsync();
            return ring;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Reads what storage holds and writes <paramref name="ring"/> back when storage has lost it (a flushed Redis, a
    /// deleted file); true when it did. Throws <see cref="InconsistentStateException"/> when another writer has stored
    /// the ring since this activation last did.
    /// </summary>
    public async Task<bool> RestoreIfLostAsync(RingGrainState ring)
    {
        await _writes.WaitAsync();
        try
        {
            var (ours, etag) = (state.State, state.Etag);
            await state.ReadStateAsync();
            if (state.RecordExists)
            {
                if (!string.Equals(state.Etag, etag, StringComparison.Ordinal))
                {
                    throw new InconsistentStateException(
                        $"Storage holds ring {state.State.RingId} epoch {state.State.Epoch} version {state.State.Version}, written by another activation", state.Etag, etag);
                }

                state.State = ours;
                return false;
            }

            logger.LogWarning("Storage holds no ring {RingId}: it was lost; writing version {Version} back", ring.RingId, ring.Version);
            ring.Change = Guid.NewGuid();
            state.State = ring;
            await state.WriteStateAsync();
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }
}
