using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// The rules a settings class declares itself (data annotations, <see cref="IValidatableObject"/>), each failure naming
/// its key: <c>Section:Key: what is wrong</c>.
/// </summary>
internal sealed class SectionValidator<T>(string section) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
    }
}
