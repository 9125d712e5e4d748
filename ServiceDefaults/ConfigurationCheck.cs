using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// <c>--check-config</c>, as <c>nginx -t</c>: the program reads its configuration (files, environment, command line)
/// and builds its host as it would to start, with every start-up check and every section's validators (and Kestrel's
/// endpoints and certificates, loaded as before it binds), then prints
/// each problem with its key, or one line saying all is well, and exits 1 or 0. It starts nothing, binds no port and
/// connects nowhere: Redis is not asked (its connection string is parsed), no cluster client or Docker engine is made.
/// </summary>
public sealed class ConfigurationCheck
{
    public const string Switch = "--check-config";

    private const string Prefix = "Invalid configuration: ";

    private readonly string _program;
    private readonly List<string> _problems = [];
    private bool _sectionsChecked;

    private ConfigurationCheck(string program) => _program = program;

    /// <summary>
    /// A check when <paramref name="args"/> hold <see cref="Switch"/>, which is taken out of them (the command-line
    /// configuration would take the argument after it as its value); else null.
    /// </summary>
    public static ConfigurationCheck? Take(string program, ref string[] args)
    {
        if (!args.Contains(Switch, StringComparer.Ordinal))
        {
            return null;
        }

        args = [.. args.Where(a => !string.Equals(a, Switch, StringComparison.Ordinal))];
        return new ConfigurationCheck(program);
    }

    /// <summary>The check under way in <paramref name="builder"/>, or null when the program is starting for real.</summary>
    public static ConfigurationCheck? Of(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Properties.TryGetValue(typeof(ConfigurationCheck), out var check) ? check as ConfigurationCheck : null;
    }

    /// <summary>Marks <paramref name="builder"/> as checking, for the start-up code that would otherwise connect or stop at the first problem.</summary>
    public void Attach(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Properties[typeof(ConfigurationCheck)] = this;
        builder.Services.AddSingleton(this);
        // The report is all it prints: what the services would log while they are made is not about the configuration.
        builder.Logging.ClearProviders();
    }

    /// <summary>Every section registered with <see cref="SettingsRegistration.AddSettings{T}"/>, each by all its validators.</summary>
    internal void CheckSections(IServiceProvider services)
    {
        _sectionsChecked = true;
        foreach (var section in services.GetServices<SettingsSection>())
        {
            Add(section.Problems(services));
        }
    }

    internal void Add(IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            var line = problem.StartsWith(Prefix, StringComparison.Ordinal) ? problem[Prefix.Length..] : problem;
            if (!_problems.Contains(line, StringComparer.Ordinal))
            {
                _problems.Add(line);
            }
        }
    }

    /// <summary>
    /// Ends a check whose start-up code threw: <paramref name="failure"/> is a problem, and the sections not checked
    /// yet are checked from what <paramref name="services"/> registered so far. Returns the exit code.
    /// </summary>
    public int Failed(Exception failure, IServiceCollection? services)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Add(Problems(failure));
        if (!_sectionsChecked && services is not null)
        {
            using var provider = services.BuildServiceProvider();
            CheckSections(provider);
        }

        return Report(null);
    }

    /// <summary>
    /// Ends a check that built the host; <paramref name="summary"/> says what would start (asked only when all is well,
    /// so that it may read the settings). Returns the exit code.
    /// </summary>
    public int Finished(IServiceProvider services, Func<string> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (!_sectionsChecked)
        {
            CheckSections(services);
        }

        if (_problems.Count == 0)
        {
            CheckKestrel(services);
        }

        return Report(summary);
    }

    /// <summary>Kestrel's endpoints and certificates (<c>Kestrel:*</c>), loaded as the server loads them before it binds.</summary>
    private void CheckKestrel(IServiceProvider services)
    {
        try
        {
            services.GetService<IOptions<KestrelServerOptions>>()?.Value.ConfigurationLoader?.Load();
        }
        catch (Exception ex)
        {
            Add([$"Kestrel: {ex.Message}"]);
        }
    }

    private int Report(Func<string>? summary)
    {
        if (_problems.Count == 0)
        {
            Console.Out.WriteLine($"{_program}: configuration OK{(summary is null ? "" : $" ({summary()})")}");
            return 0;
        }

        foreach (var problem in _problems)
        {
            Console.Error.WriteLine($"{_program}: {problem}");
        }

        Console.Error.WriteLine($"{_program}: configuration check failed: {_problems.Count} problem{(_problems.Count == 1 ? "" : "s")}");
        return 1;
    }

    private static IEnumerable<string> Problems(Exception failure) => failure switch
    {
        OptionsValidationException invalid => invalid.Failures,
        AggregateException all => all.InnerExceptions.SelectMany(Problems),
        _ when SettingsErrors.Describe(failure) is { } message => [message],
        // Not a settings error the program knows, yet it would stop start-up all the same.
        _ => [$"{failure.GetType().Name}: {failure.Message}"],
    };
}
