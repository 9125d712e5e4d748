using System.Collections;
using Orleans.LoadBalancer.HealthProbe;

// Usage: dotnet Orleans.LoadBalancer.HealthProbe.dll </path | http://host:port/path> [--admin-first]
// Exit 0 when the answer is 2xx within the timeout, 1 otherwise, 2 on bad usage; the outcome goes to Docker's health log.
// --admin-first: a path goes to Admin__Urls when that is set (the gateway answers its own /healthz there).
const string AdminFirst = "--admin-first";
if (args.Length is < 1 or > 2 || (args.Length == 2 && args[1] != AdminFirst))
{
    Console.Error.WriteLine($"usage: Orleans.LoadBalancer.HealthProbe </path | http(s)://host:port/path> [{AdminFirst}]");
    return 2;
}

Uri url;
try
{
    var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
    url = ProbeTarget.Resolve(args[0], environment, adminFirst: args.Length == 2);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or UriFormatException)
{
    Console.Error.WriteLine($"unhealthy: {ex.Message}");
    return 2;
}

var outcome = HttpGet.Status(url, TimeSpan.FromSeconds(3));
Console.WriteLine($"{url.AbsolutePath}: {outcome.Description}");
return outcome.Status is >= 200 and < 300 ? 0 : 1;
