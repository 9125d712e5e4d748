using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>Turns a wrong setting found at start-up into the one line a program prints before it exits with 1.</summary>
public static class SettingsErrors
{
    private const string Prefix = "Invalid configuration: ";

    /// <summary>The message naming each wrong key, or null when <paramref name="exception"/> is not about settings.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        InvalidConfigurationException => exception.Message,
        OptionsValidationException invalid => Prefix + string.Join("; ", invalid.Failures),
        AggregateException all when all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => Describe(e) is not null) =>
            string.Join(Environment.NewLine, all.InnerExceptions.Select(Describe)),
        _ when IsBindingFailure(exception) => Prefix + exception.Message,
        _ => null,
    };

    /// <summary>A value the configuration binder could not convert ("Failed to convert configuration value … at 'Gateway:RetryAttempts' …").</summary>
    public static bool IsBindingFailure(Exception exception) =>
        exception is InvalidOperationException && exception.TargetSite?.DeclaringType == typeof(ConfigurationBinder);
}
