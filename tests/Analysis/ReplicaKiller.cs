using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>Kills a replica abruptly, the way its runtime runs it: a local process (SIGKILL) or a container (<c>docker kill</c>).</summary>
public static class ReplicaKiller
{
    /// <summary>Why <paramref name="replica"/> cannot be killed from here, or null when it can.</summary>
    public static async Task<string?> CheckAsync(ReplicaInfo replica, CancellationToken cancellationToken)
    {
        switch (replica.Runtime)
        {
            case "process":
                if (!int.TryParse(replica.RuntimeId, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    return $"its process id '{replica.RuntimeId}' is not a number";
                }

                if (!Uri.TryCreate(replica.Address, UriKind.Absolute, out var address) || !address.IsLoopback)
                {
                    return $"it listens on {replica.Address}, not on this machine's loopback";
                }

                // The id must be the replica's own process on this machine, not an unrelated one with the same number.
                var commandLine = $"/proc/{pid}/cmdline";
                if (!File.Exists(commandLine))
                {
                    return $"no process {pid} runs on this machine";
                }

                var arguments = (await File.ReadAllTextAsync(commandLine, cancellationToken)).Replace('\0', ' ');
                return arguments.Contains(replica.Address, StringComparison.Ordinal)
                    ? null
                    : $"process {pid} here is not the replica at {replica.Address}";

            case "docker":
                var (exit, output) = await DockerAsync(["inspect", "--format", "{{.State.Running}}", replica.RuntimeId ?? ""], cancellationToken);
                return exit == 0 && output.Trim() == "true" ? null : $"`docker inspect {replica.RuntimeId}` did not find it running here: {output.Trim()}";

            default:
                return $"its runtime '{replica.Runtime}' is not one this tool can kill (process or docker)";
        }
    }

    /// <summary>Kills the replica; returns how, or throws when it could not.</summary>
    public static async Task<string> KillAsync(ReplicaInfo replica, CancellationToken cancellationToken)
    {
        if (replica.Runtime == "docker")
        {
            var (exit, output) = await DockerAsync(["kill", replica.RuntimeId!], cancellationToken);
            return exit == 0 ? $"`docker kill {replica.RuntimeId![..Math.Min(12, replica.RuntimeId!.Length)]}`" : throw new InvalidOperationException($"docker kill failed: {output.Trim()}");
        }

        using var process = Process.GetProcessById(int.Parse(replica.RuntimeId!, CultureInfo.InvariantCulture));
        process.Kill();
        return $"SIGKILL to process {replica.RuntimeId}";
    }

    private static async Task<(int Exit, string Output)> DockerAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var docker = Process.Start(start)!;
            var output = docker.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = docker.StandardError.ReadToEndAsync(cancellationToken);
            await docker.WaitForExitAsync(cancellationToken);
            return (docker.ExitCode, await output + await error);
        }
        catch (Win32Exception ex)
        {
            return (-1, $"the docker command is not available here ({ex.Message})");
        }
    }
}
