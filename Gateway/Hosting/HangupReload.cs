using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// <c>kill -HUP &lt;gateway pid&gt;</c> reads the configuration files again, as nginx and HAProxy do on that signal;
/// <see cref="GatewaySettingsReloader"/> then applies what changed. Unhandled, the signal would end the process.
/// </summary>
internal sealed class HangupReload(IConfiguration configuration, ILogger<HangupReload> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration is IConfigurationRoot root)
        {
            if (HangupSignal.TakeBack())
            {
                logger.LogInformation("SIGHUP was ignored when the gateway started (nohup); it reads the configuration again all the same");
            }

            _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Reload(root);
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _registration?.Dispose();

    private void Reload(IConfigurationRoot root)
    {
        logger.LogInformation("SIGHUP: reading the configuration again");
        try
        {
            root.Reload();
        }
        catch (Exception ex) when (IsReported(ex))
        {
            // An options monitor that found the new values invalid, or a file that does not parse: the settings
            // reloader says why.
            logger.LogDebug(ex, "Reading the configuration again failed");
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading the configuration again failed; the running settings stay");
        }
    }

    private static bool IsReported(Exception exception) => exception switch
    {
        InvalidDataException or FormatException or OptionsValidationException => true,
        AggregateException all => all.InnerExceptions.All(IsReported),
        _ => SettingsErrors.IsBindingFailure(exception),
    };
}
