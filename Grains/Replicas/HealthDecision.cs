namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>A replica's next health state and what the manager must do about it.</summary>
internal readonly record struct HealthDecision(ReplicaHealthState State, HealthAction Action);
