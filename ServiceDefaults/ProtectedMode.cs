namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// Redis's protected mode for our HTTP listeners: a listener reachable beyond this machine either has an admin key or is
/// declared open on purpose; otherwise the program does not start.
/// </summary>
public static class ProtectedMode
{
    /// <summary>Throws <see cref="InvalidConfigurationException"/> when <paramref name="urls"/> reach beyond loopback with neither a key nor the opt-out.</summary>
    /// <param name="what">What listens, as a subject: "the gateway's admin API".</param>
    /// <param name="exposes">What anyone could then do: "add and remove replicas".</param>
    public static void Enforce(string what, string exposes, IEnumerable<string> urls, string? apiKey, bool allowAnonymous)
    {
        if (!string.IsNullOrEmpty(apiKey) || allowAnonymous)
        {
            return;
        }

        var beyond = urls.Where(u => !ListenAddresses.IsLoopback(u)).ToList();
        if (beyond.Count == 0)
        {
            return;
        }

        throw new InvalidConfigurationException(
            $"Admin:ApiKey is empty, and {what} listens beyond loopback ({string.Join(", ", beyond)}), where anyone who reaches it could {exposes}. "
            + "Set Admin:ApiKey (callers then send 'Authorization: Bearer <key>'), or set Admin:AllowAnonymous=true to serve it without a key.");
    }
}
