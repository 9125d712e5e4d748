namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// For code and tests that hold a settings object rather than configuration: the same rules as at start-up
/// (<see cref="SectionValidator{T}"/>), failing with <see cref="InvalidConfigurationException"/>.
/// </summary>
internal static class SettingsValidation
{
    public static T Validated<T>(this T settings, string section)
        where T : class
    {
        var result = new SectionValidator<T>(section).Validate(Microsoft.Extensions.Options.Options.DefaultName, settings);
        return result.Failed ? throw new InvalidConfigurationException(string.Join("; ", result.Failures ?? [])) : settings;
    }
}
