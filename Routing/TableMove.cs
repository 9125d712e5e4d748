namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// A change of owner for some entries of a fixed-size table, chosen among the entries that one owner (a new replica
/// index, or <see cref="Unowned"/> for the entries of removed replicas) holds in the base table, in entry order.
/// Every move of a delta selects from the base table, so moves never depend on one another.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.TableMove")]
public abstract record TableMove
{
    /// <summary>The owner of entries whose replica the delta removes.</summary>
    public const ushort Unowned = ushort.MaxValue;
}

/// <summary>
/// <see cref="Count"/> of the <c>s</c> entries <see cref="From"/> holds go to <see cref="To"/>: those at ranks
/// (<see cref="Offset"/> + ⌊j·s/Count⌋) mod s for j = 0…Count−1 — how <c>slots</c> spreads the slots a donor gives a
/// new replica, so an add costs a few numbers per donor, whatever the table's size.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.SpreadMove")]
internal sealed record SpreadMove(
    [property: Id(0)] ushort From,
    [property: Id(1)] ushort To,
    [property: Id(2)] int Count,
    [property: Id(3)] int Offset) : TableMove;

/// <summary>Every entry <see cref="From"/> holds, in entry order, goes to the owner at the same position of <see cref="Owners"/>.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.ListMove")]
internal sealed record ListMove(
    [property: Id(0)] ushort From,
    [property: Id(1)] ushort[] Owners) : TableMove;

/// <summary>Entry <c>Indices[i]</c> goes to <c>Owners[i]</c>: whatever no pattern describes.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.EntriesMove")]
internal sealed record EntriesMove(
    [property: Id(0)] int[] Indices,
    [property: Id(1)] ushort[] Owners) : TableMove;
