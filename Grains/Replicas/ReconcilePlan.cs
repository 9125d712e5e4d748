namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What <see cref="Reconciler.Plan"/> decided, as data: the actions in the order to execute them.</summary>
internal sealed record ReconcilePlan(IReadOnlyList<ReconcileAction> Actions)
{
    public bool IsEmpty => Actions.Count == 0;
}
