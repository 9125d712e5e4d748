namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// A detached warm spare on disk (<c>spares/&lt;pid&gt;.json</c> in the cluster's registry): the silo process that owns it
/// and the address it listens on, so that the next silo on the machine can stop the spare of a silo that died.
/// </summary>
internal sealed record SpareRegistration(int Owner, string Address);
