namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// One entry of <c>Replicas:Docker:Volumes</c>, as <c>docker run -v</c> takes it: <c>source:target[:ro|rw]</c>, the
/// source an absolute path on the engine's host (a bind mount) or a volume's name (created by the engine when missing).
/// </summary>
internal sealed record DockerVolume(string Source, string Target, bool ReadOnly)
{
    /// <summary>The entry as the engine takes it in <c>HostConfig.Binds</c>.</summary>
    public string Bind => $"{Source}:{Target}{(ReadOnly ? ":ro" : "")}";

    public bool IsBindMount => Source.StartsWith('/');

    /// <summary>The volume <paramref name="text"/> describes, or null with what is wrong with it.</summary>
    public static DockerVolume? Parse(string? text, out string error)
    {
        var parts = (text ?? "").Split(':');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || p.Trim() != p))
        {
            error = $"'{text}' is not source:target[:ro|rw]";
            return null;
        }

        var (source, target) = (parts[0], parts[1]);
        if (!source.StartsWith('/') && !DockerNames.IsName(source))
        {
            error = $"'{text}': the source '{source}' is neither an absolute path on the Docker host nor a volume name";
            return null;
        }

        if (!target.StartsWith('/') || target.TrimEnd('/').Length == 0)
        {
            error = $"'{text}': the target '{target}' is not an absolute path in the container (other than /)";
            return null;
        }

        var mode = parts.Length == 3 ? parts[2] : "rw";
        if (mode is not ("ro" or "rw"))
        {
            error = $"'{text}': the mode '{mode}' is neither ro nor rw";
            return null;
        }

        error = "";
        return new DockerVolume(source, target, mode == "ro");
    }
}
