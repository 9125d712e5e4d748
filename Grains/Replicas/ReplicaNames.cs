using System.Text.RegularExpressions;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What a replica may be called: a name that is also a valid container and DNS label.</summary>
public static partial class ReplicaNames
{
    public const string Rule = "letters, digits, '-', '_' and '.', starting with a letter or digit, at most 63 characters";

    public static bool IsValid(string? name) => name is not null && ValidName().IsMatch(name);

    /// <summary>A random name not in <paramref name="taken"/>.</summary>
    public static string NewRandom(ISet<string> taken)
    {
        while (true)
        {
            var name = $"replica-{Random.Shared.Next(0x1000000):x6}";
            if (!taken.Contains(name))
            {
                return name;
            }
        }
    }

    /// <summary>The seed's names for the initial replicas.</summary>
    public static string Initial(int number) => $"Server {number}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
