using StackExchange.Redis;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// Tries <c>Cluster:RedisConnectionString</c> once at start-up. A Redis that refuses this process (wrong or missing
/// password, user or TLS certificate) will never let it in, so start-up fails now with a message that says so, instead
/// of Orleans retrying and aborting with a timeout. A Redis that does not answer is left to Orleans' retries
/// (<c>abortConnect=false</c>). The message never holds the connection string, which may carry the password.
/// </summary>
public static class RedisAccessCheck
{
    private const string Key = ClusterSettings.Section + ":RedisConnectionString";

    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>At start-up, <see cref="ThrowIfRefused"/>; under <c>--check-config</c>, which connects nowhere, the connection string is only parsed.</summary>
    public static void Check(Microsoft.Extensions.Hosting.IHostApplicationBuilder builder, string connectionString)
    {
        if (ConfigurationCheck.Of(builder) is null)
        {
            ThrowIfRefused(connectionString);
        }
        else
        {
            Parse(connectionString);
        }
    }

    public static void ThrowIfRefused(string connectionString)
    {
        var options = Parse(connectionString);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, (int)MaxWait.TotalMilliseconds);
        options.SyncTimeout = Math.Min(options.SyncTimeout, (int)MaxWait.TotalMilliseconds);
        var endpoints = string.Join(", ", options.EndPoints.Select(EndPointCollection.ToString));
        try
        {
            using var connection = ConnectionMultiplexer.Connect(options);
            connection.GetDatabase().Ping();
        }
        catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
        {
            throw new InvalidConfigurationException(
                $"{Key}: Redis at {endpoints} refused this process ({Reason(ex)}). Check password=… (and user=… for an ACL user) in "
                + $"the connection string{(options.Ssl ? ", and that this machine trusts the server's TLS certificate" : "")}.",
                ex);
        }
        catch (RedisServerException ex) when (IsAuthenticationError(ex.Message))
        {
            throw new InvalidConfigurationException($"{Key}: Redis at {endpoints} refused this process ({ex.Message}). Check password=… (and user=… for an ACL user) in the connection string.", ex);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // Down or unreachable right now: Orleans keeps retrying, as abortConnect=false promises.
        }
    }

    private static ConfigurationOptions Parse(string connectionString)
    {
        try
        {
            return ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            // SE.Redis names the bad keyword, never a value.
            throw new InvalidConfigurationException($"{Key}: {ex.Message}", ex);
        }
    }

    private static string Reason(RedisConnectionException ex)
    {
        var reasons = new List<string>();
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            reasons.Add(inner.Message.TrimEnd('.'));
        }

        return reasons.Count > 0 ? string.Join(": ", reasons) : ex.FailureType.ToString();
    }

    private static bool IsAuthenticationError(string message) =>
        message.StartsWith("NOAUTH", StringComparison.Ordinal) || message.StartsWith("WRONGPASS", StringComparison.Ordinal);
}
