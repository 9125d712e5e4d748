using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// A section registered with <see cref="SettingsRegistration.AddSettings{T}"/>, so that <see cref="ConfigurationCheck"/>
/// can run each one's validators and list every failure, where start-up stops at the first section that fails.
/// </summary>
internal sealed class SettingsSection(string name, Func<IServiceProvider, IReadOnlyList<string>> problems)
{
    public string Name { get; } = name;

    /// <summary>The failures of the section as the options would be created now: binding, then every validator.</summary>
    public IReadOnlyList<string> Problems(IServiceProvider services) => problems(services);

    public static SettingsSection For<T>(string name)
        where T : class => new(name, services =>
        {
            try
            {
                services.GetRequiredService<IOptionsFactory<T>>().Create(Options.DefaultName);
                return [];
            }
            catch (OptionsValidationException ex)
            {
                return [.. ex.Failures];
            }
            catch (InvalidOperationException ex) when (SettingsErrors.IsBindingFailure(ex))
            {
                return [ex.Message];
            }
        });
}
