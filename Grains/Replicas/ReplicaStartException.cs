namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>A replica could not be started; the message says why, in words fit for an API error.</summary>
public sealed class ReplicaStartException(string message, Exception? inner = null) : Exception(message, inner);
