namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary>
/// How a snapshot finds a key's owner and its preference order: set once from the algorithm when the snapshot is built,
/// so that a lookup dispatches on a number instead of calling the algorithm. The values cross the wire in
/// <see cref="RoutingSnapshot"/>: never change one.
/// </summary>
internal enum LookupKind
{
    /// <summary>Slot ⌊hash · M / 2⁶⁴⌋ of the owner table; rendezvous order after the owner.</summary>
    Slots = 0,

    /// <summary>Entry hash mod M of the owner table; rendezvous order after the owner.</summary>
    Maglev = 1,

    /// <summary>The first point at or after the hash; the next distinct owners clockwise after it.</summary>
    Ring = 2,

    /// <summary>The assignment's request slot of the key's request id; rendezvous order after the owner.</summary>
    Classic = 3,
}
