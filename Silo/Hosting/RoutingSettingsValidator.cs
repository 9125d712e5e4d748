using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>Section <c>Routing</c> as the silo reads it: the rules of <see cref="RoutingSettings.Validate"/>, naming the key.</summary>
internal sealed class RoutingSettingsValidator : IValidateOptions<RoutingSettings>
{
    public const string Section = "Routing";

    public ValidateOptionsResult Validate(string? name, RoutingSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            // "… (Parameter 'Algorithm')" becomes "Routing:Algorithm: …".
            var key = ex.ParamName is { } parameter ? $"{Section}:{parameter}" : Section;
            var message = ex.ParamName is { } named ? ex.Message.Replace($" (Parameter '{named}')", "", StringComparison.Ordinal) : ex.Message;
            return ValidateOptionsResult.Fail($"{key}: {message}");
        }
    }
}
