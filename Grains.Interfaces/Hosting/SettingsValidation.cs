using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>Validates settings read at start-up, failing with one message that names every wrong key.</summary>
public static class SettingsValidation
{
    public static T Validated<T>(this T settings, string section)
        where T : class
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            var problems = string.Join("; ", results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
            throw new InvalidConfigurationException(problems);
        }

        return settings;
    }
}
