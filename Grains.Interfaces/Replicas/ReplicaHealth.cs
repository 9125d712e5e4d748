namespace Orleans.LoadBalancer.Replicas;

[GenerateSerializer]
public enum ReplicaHealth
{
    Starting,
    Healthy,
    Suspect,
    Dead,
    Restarting,
    Failed,
}
