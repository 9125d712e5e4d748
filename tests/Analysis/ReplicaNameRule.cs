using System.Text.RegularExpressions;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// The names <c>POST /add</c> accepts. The seed's initial names (<c>Server 1</c>…) are not among them, so a replica
/// with such a name cannot be brought back under it once removed.
/// </summary>
public static partial class ReplicaNameRule
{
    public static bool IsAccepted(string name) => Valid().IsMatch(name);

    /// <summary>The closest accepted name (<c>Server 1</c> → <c>Server-1</c>), or null when there is none.</summary>
    public static string? ClosestAccepted(string name)
    {
        var closest = Invalid().Replace(name, "-").TrimStart('-', '_', '.');
        return closest.Length > 63 ? closest[..63] : closest.Length == 0 ? null : closest;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();

    [GeneratedRegex("[^A-Za-z0-9_.-]", RegexOptions.CultureInvariant)]
    private static partial Regex Invalid();
}
