namespace Orleans.LoadBalancer.UnitTests;

/// <summary>
/// What a warmed-up call allocates on this thread: the fewest bytes over a few calls, so that one-off work of the
/// runtime (tiered compilation replacing a hot loop while the machine is busy) is not taken for the code's own. Code
/// that allocates on every call still shows it on every call.
/// </summary>
internal static class AllocationProbe
{
    public static (long Bytes, T Result) Steady<T>(Func<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var result = call();
        result = call();
        var fewest = long.MaxValue;
        for (var attempt = 0; attempt < 3 && fewest > 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            result = call();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return (fewest, result);
    }
}
