namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after <paramref name="timeout"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string? because = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Condition not met within {timeout}{(because is null ? "" : ": " + because)}");
            }

            await Task.Delay(25);
        }
    }
}
