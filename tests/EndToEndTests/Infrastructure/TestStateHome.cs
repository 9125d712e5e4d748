using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// Silos without Redis keep the ring in a file under <c>$XDG_STATE_HOME/orleans-lb</c> unless told otherwise. Every
/// program the tests start inherits this process's environment, so pointing it at a folder of this test run keeps a
/// test's ring out of the user's own and out of the next run's.
/// </summary>
internal static class TestStateHome
{
    [ModuleInitializer]
    internal static void PointAtThisRun()
    {
        var folder = Path.Combine(Path.GetTempPath(), "orleans-lb-tests", $"state-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", folder);
        Environment.SetEnvironmentVariable("STATE_DIRECTORY", null);
    }
}
