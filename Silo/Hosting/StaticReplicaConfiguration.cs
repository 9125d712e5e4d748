using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// The configuration binder drops a list entry it cannot convert (<c>Replicas:Static:0:Weight=heavy</c>) without a word:
/// binds each entry of <c>Replicas:Static</c> on its own, so that such an entry stops start-up naming its key instead.
/// </summary>
internal static class StaticReplicaConfiguration
{
    public static void ThrowIfAnyEntryIsUnreadable(IConfiguration configuration)
    {
        foreach (var entry in configuration.GetSection($"{ReplicaOptions.Section}:{nameof(ReplicaOptions.Static)}").GetChildren())
        {
            try
            {
                entry.Get<StaticReplica>();
            }
            catch (InvalidOperationException ex) when (SettingsErrors.IsBindingFailure(ex))
            {
                throw new InvalidConfigurationException(ex.Message, ex);
            }
        }
    }
}
