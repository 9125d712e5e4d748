using System.Text.Json.Nodes;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A gateway's own content root, holding the <c>appsettings.json</c> it reads and a test rewrites while it runs. Starts
/// as the shipped file; each write replaces it whole (written aside, then renamed over it, as editors do).
/// </summary>
public sealed class GatewayConfigFile : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("orleans-lb-gateway-");
    private readonly string _shipped = File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepoPaths.Gateway)!, "appsettings.json"));

    public GatewayConfigFile() => WriteText(_shipped);

    public string FilePath => Path.Combine(_root.FullName, "appsettings.json");

    /// <summary>Environment for <see cref="LoadBalancerCluster.StartGatewayAsync"/>: this content root, optionally with file watching off.</summary>
    public Dictionary<string, string> GatewaySettings(bool watch = true)
    {
        var settings = new Dictionary<string, string> { ["ASPNETCORE_CONTENTROOT"] = _root.FullName };
        if (!watch)
        {
            settings["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        }

        return settings;
    }

    /// <summary>Writes the shipped file changed by <paramref name="edit"/>.</summary>
    public void Write(Action<JsonObject> edit)
    {
        var settings = JsonNode.Parse(_shipped)!.AsObject();
        edit(settings);
        WriteText(settings.ToJsonString());
    }

    public void WriteText(string text)
    {
        var aside = FilePath + ".new";
        File.WriteAllText(aside, text);
        File.Move(aside, FilePath, overwrite: true);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
