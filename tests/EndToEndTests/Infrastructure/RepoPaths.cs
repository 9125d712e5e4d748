namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>Where the built programs are: next to this test build, in the same configuration.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, read from this test assembly's output folder.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string Silo => Program("Silo", "Orleans.LoadBalancer.Silo.dll");

    public static string Gateway => Program("Gateway", "Orleans.LoadBalancer.Gateway.dll");

    public static string BackendServer => Program("BackendServer", "Orleans.LoadBalancer.BackendServer.dll");

    /// <summary>The containers' health check (<c>deploy/HealthProbe</c>).</summary>
    public static string HealthProbe => Program(Path.Combine("deploy", "HealthProbe"), "Orleans.LoadBalancer.HealthProbe.dll");

    public static string ProjectDirectory(string project) => Path.Combine(Root, project);

    private static string Program(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built: {path} is missing");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.LoadBalancer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Orleans.LoadBalancer.sln not found above " + AppContext.BaseDirectory);
    }
}
