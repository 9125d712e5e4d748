using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>The rules on <c>Gateway:KeySources</c> and <c>Gateway:Routes</c>, each failure naming the entry's key.</summary>
/// <param name="configuration">
/// Where the entries come from: the binder silently leaves out a list entry it cannot convert (a misspelt
/// <c>Type</c>), so each entry is read again here to say which one and why.
/// </param>
internal sealed class KeySourcesValidator(IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sources = $"{GatewayOptions.Section}:{nameof(GatewayOptions.KeySources)}";
        var routes = $"{GatewayOptions.Section}:{nameof(GatewayOptions.Routes)}";
        var failures = Check(sources, options.KeySources).ToList();
        for (var i = 0; i < options.Routes.Count; i++)
        {
            var route = $"{routes}:{i}";
            var prefix = options.Routes[i].PathPrefix;
            if (string.IsNullOrEmpty(prefix) || prefix[0] != '/')
            {
                failures.Add($"{route}:{nameof(KeyRouteOptions.PathPrefix)}: must start with '/', not '{prefix}'");
            }

            failures.AddRange(Check($"{route}:{nameof(KeyRouteOptions.KeySources)}", options.Routes[i].KeySources));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The entries of the list at <paramref name="key"/> that cannot be read, or else the rules on each. (Once the binder
    /// left an entry out, the bound list's positions no longer match the keys, so the rules wait for a readable list.)
    /// </summary>
    private IEnumerable<string> Check(string key, IReadOnlyList<KeySourceOptions> sources)
    {
        var unreadable = Unreadable(configuration.GetSection(key)).ToList();
        return unreadable.Count > 0 ? unreadable : Rules(key, sources);
    }

    private static IEnumerable<string> Rules(string key, IReadOnlyList<KeySourceOptions> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            if ((source.Type is KeySourceType.Header or KeySourceType.Cookie or KeySourceType.Query) && string.IsNullOrWhiteSpace(source.Name))
            {
                yield return $"{key}:{i}:{nameof(KeySourceOptions.Name)}: a {source.Type} source needs a Name";
            }

            if (source.Index < 0)
            {
                yield return $"{key}:{i}:{nameof(KeySourceOptions.Index)}: must be 0 or more, not {source.Index}";
            }
        }
    }

    private static IEnumerable<string> Unreadable(IConfigurationSection sources)
    {
        foreach (var entry in sources.GetChildren())
        {
            string? failure = null;
            try
            {
                entry.Get<KeySourceOptions>();
            }
            catch (InvalidOperationException ex) when (SettingsErrors.IsBindingFailure(ex))
            {
                failure = ex.Message;
            }

            if (failure is not null)
            {
                yield return failure;
            }
        }
    }
}
