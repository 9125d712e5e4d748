using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>The one way both programs take settings: a section bound to a class, checked by validators at start-up.</summary>
public static class SettingsRegistration
{
    /// <summary>
    /// <c>AddOptions&lt;T&gt;().BindConfiguration(section).ValidateOnStart()</c>, validated by the class's own rules
    /// (<see cref="SectionValidator{T}"/>) and <paramref name="rules"/>.
    /// </summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section, params IValidateOptions<T>[] rules)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        services.AddSingleton(SettingsSection.For<T>(section));
        foreach (var rule in rules)
        {
            services.AddSingleton(rule);
        }

        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// The section as configured now, for start-up code that needs it before the host is built (cluster provider,
    /// ports), checked by the validators <see cref="AddSettings{T}"/> registered for it: one rule, one place.
    /// </summary>
    public static T ReadSettings<T>(this IHostApplicationBuilder builder, string section)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new T();
        try
        {
            builder.Configuration.GetSection(section).Bind(settings);
        }
        catch (InvalidOperationException ex) when (SettingsErrors.IsBindingFailure(ex))
        {
            if (ConfigurationCheck.Of(builder) is { } binding)
            {
                // Checking: note it and go on with the defaults, to find the problems of the other sections too.
                binding.Add([ex.Message]);
                return new T();
            }

            throw new OptionsValidationException(Options.DefaultName, typeof(T), [ex.Message]);
        }

        var rules = builder.Services
            .Where(d => d.ServiceType == typeof(IValidateOptions<T>) && !d.IsKeyedService)
            .Select(d => d.ImplementationInstance)
            .OfType<IValidateOptions<T>>()
            .ToList();
        if (rules.Count == 0)
        {
            throw new InvalidOperationException($"{typeof(T).Name} is read before AddSettings registered its rules");
        }

        var failures = rules.Select(r => r.Validate(Options.DefaultName, settings)).Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
        if (failures.Count > 0 && ConfigurationCheck.Of(builder) is { } check)
        {
            check.Add(failures);
            return settings;
        }

        return failures.Count == 0 ? settings : throw new OptionsValidationException(Options.DefaultName, typeof(T), failures);
    }

    /// <summary>
    /// Runs every <c>ValidateOnStart</c> check now, so a wrong setting fails before the host starts anything; under
    /// <c>--check-config</c>, every section's validators, each failure noted.
    /// </summary>
    public static void ValidateSettings(this IServiceProvider services)
    {
        if (services.GetService<ConfigurationCheck>() is { } check)
        {
            check.CheckSections(services);
            return;
        }

        services.GetService<IStartupValidator>()?.Validate();
    }
}
