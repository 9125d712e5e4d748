using System.Text.RegularExpressions;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>What the engine accepts as the name of a network, a volume or part of a container's name.</summary>
internal static partial class DockerNames
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

    public static bool IsName(string text) => Name().IsMatch(text);

    [GeneratedRegex(Pattern)]
    private static partial Regex Name();
}
