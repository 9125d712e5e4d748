using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Runs one step of a round so that it fails alone: logged, and the next round tries again.</summary>
internal static class RoundStep
{
    public static async Task TryAsync(this ILogger logger, string step, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Replica manager step '{Step}' failed; the others go on, and the next round tries again", step);
        }
    }
}
