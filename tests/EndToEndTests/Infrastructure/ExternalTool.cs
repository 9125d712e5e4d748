namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>Programs the tests drive for real (installed by <c>tests/setup.sh</c>); a missing one fails the test.</summary>
public static class ExternalTool
{
    public static string Require(string name, params string[] candidates)
    {
        foreach (var candidate in candidates.Append(name))
        {
            if (Path.IsPathRooted(candidate) && File.Exists(candidate))
            {
                return candidate;
            }

            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = Path.Combine(dir, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        throw new InvalidOperationException($"'{name}' is not installed: run tests/setup.sh (it installs what the tests need)");
    }
}
