using System.Runtime.InteropServices;

namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// Takes SIGHUP back from a parent that ignored it (<c>nohup</c>): .NET keeps an inherited ignored signal ignored and
/// never calls a handler registered for it, so a gateway started under nohup would not reload on SIGHUP. Like nginx,
/// the gateway makes SIGHUP its reload signal whatever it inherited; a hangup of the terminal then reloads the files.
/// </summary>
internal static class HangupSignal
{
    private const int SigHup = 1;
    private const nint Default = 0;
    private const nint Ignored = 1;

    /// <summary>Sets SIGHUP to its default disposition, for a handler to be registered next; true when it was ignored.</summary>
    public static bool TakeBack() => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Signal(SigHup, Default) == Ignored;

    // DllImport, not LibraryImport: the signature is blittable, and LibraryImport would need unsafe code in the project.
    [DllImport("libc", EntryPoint = "signal")]
    private static extern nint Signal(int signal, nint handler);
}
