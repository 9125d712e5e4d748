namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A systemd <c>EnvironmentFile=</c> as systemd reads it: <c>NAME=value</c> lines, comments (<c>#</c>, <c>;</c>) and blank
/// lines skipped, one pair of quotes around a value removed.
/// </summary>
public static class EnvironmentFile
{
    /// <summary>The settings of <paramref name="path"/>, in file order; a name given twice fails (systemd would keep the last silently).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Read(string path) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var settings = new List<KeyValuePair<string, string>>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Not a NAME=value line: '{line}'");
            }

            var name = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            if (settings.Any(s => s.Key == name))
            {
                throw new FormatException($"'{name}' is set twice");
            }

            settings.Add(new(name, value));
        }

        return settings;
    }
}
