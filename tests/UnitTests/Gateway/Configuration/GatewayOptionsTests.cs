using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Configuration;

/// <summary>The edge settings are checked at start-up, and a wrong one names its key.</summary>
public sealed class GatewayOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_match_what_the_gateway_did_before()
    {
        var options = new GatewayOptions().Validated(GatewayOptions.Section);

        Assert.Equal(TimeSpan.FromSeconds(2), options.ConnectTimeout);
        Assert.Equal(30_000_000, options.MaxRequestBodySize);
        Assert.Empty(options.TrustedProxies);
    }

    [Fact]
    public void The_timeouts_by_phase_default_to_a_head_limit_only_with_no_idle_limit_on_streams()
    {
        var options = new GatewayOptions().Validated(GatewayOptions.Section);

        Assert.Equal(TimeSpan.FromSeconds(30), options.ReplicaTimeout);
        Assert.Equal(TimeSpan.Zero, options.StreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), options.UpgradedDrainTimeout);
        Assert.Equal("0 (off)", ReloadableSettings.Describe(options, new BalancingOptions(), "X-Request-Id")[ReloadableSettings.StreamIdleTimeout]);
        Assert.True(ReloadableSettings.Contains("Gateway:StreamIdleTimeout"));
        Assert.False(ReloadableSettings.Contains("Gateway:UpgradedDrainTimeout"));
    }

    [Fact]
    public void The_access_log_is_off_by_default_and_its_format_and_key_reload_while_its_path_needs_a_restart()
    {
        var options = new GatewayOptions().Validated(GatewayOptions.Section);

        Assert.Equal((AccessLogFormat.Off, AccessLogKey.Hash, ""), (options.AccessLog.Format, options.AccessLog.Key, options.AccessLog.Path));
        Assert.Equal("off", ReloadableSettings.Describe(options, new BalancingOptions(), "X-Request-Id")[ReloadableSettings.AccessLogFormat]);
        Assert.True(ReloadableSettings.Contains("Gateway:AccessLog:Format"));
        Assert.True(ReloadableSettings.Contains("Gateway:AccessLog:Key"));
        Assert.False(ReloadableSettings.Contains("Gateway:AccessLog:Path"));
        Assert.False(ReloadableSettings.Contains("Gateway:Name"));
    }

    [Theory]
    [InlineData("gw 1")]
    [InlineData("gw~1")]
    [InlineData("gateway/1")]
    public void A_gateway_name_outside_letters_digits_dots_dashes_and_underscores_is_refused(string name)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => new GatewayOptions { Name = name }.Validated(GatewayOptions.Section));
        Assert.Contains("Gateway:Name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-00:00:01", "Gateway:StreamIdleTimeout")]
    [InlineData("1.00:00:01", "Gateway:StreamIdleTimeout")]
    public void A_stream_idle_limit_outside_zero_to_a_day_is_refused(string timeout, string key)
    {
        var options = new GatewayOptions { StreamIdleTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(GatewayOptions.Section));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.050", "Gateway:ConnectTimeout")]
    [InlineData("00:01:01", "Gateway:ConnectTimeout")]
    public void A_connect_timeout_outside_100_ms_to_a_minute_is_refused(string timeout, string key)
    {
        var options = new GatewayOptions { ConnectTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(GatewayOptions.Section));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_limit_below_one_byte_is_refused()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => new GatewayOptions { MaxRequestBodySize = 0 }.Validated(GatewayOptions.Section));
        Assert.Contains("Gateway:MaxRequestBodySize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trusted_proxies_must_be_addresses_or_networks()
    {
        new GatewayOptions { TrustedProxies = ["10.0.0.0/8", "::1", "192.0.2.1"] }.Validated(GatewayOptions.Section);

        var error = Assert.Throws<InvalidConfigurationException>(() =>
            new GatewayOptions { TrustedProxies = ["10.0.0.0/8", "proxy.internal"] }.Validated(GatewayOptions.Section));
        Assert.Contains("Gateway:TrustedProxies", error.Message, StringComparison.Ordinal);
        Assert.Contains("'proxy.internal'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retries_on_502_503_504_within_a_fifth_of_the_traffic_and_outlier_detection_after_five_failures_are_on_by_default_and_live()
    {
        var options = new GatewayOptions().Validated(GatewayOptions.Section);

        Assert.Equal([502, 503, 504], RetryStatuses.Parse(options.RetryOnStatus));
        Assert.Equal((20, 100), (options.RetryBudget.Percent, options.RetryBudget.MinRetries));
        Assert.Equal((5, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), 50),
            (options.Outlier.ConsecutiveFailures, options.Outlier.BaseEjectionTime, options.Outlier.MaxEjectionTime, options.Outlier.MaxEjectionPercent));
        var described = ReloadableSettings.Describe(options, new BalancingOptions(), "X-Request-Id");
        Assert.Equal("502,503,504", described[ReloadableSettings.RetryOnStatus]);
        Assert.Equal("none (off)", ReloadableSettings.Describe(new GatewayOptions { RetryOnStatus = "" }, new BalancingOptions(), "X")[ReloadableSettings.RetryOnStatus]);
        Assert.True(ReloadableSettings.Contains("Gateway:Outlier:ConsecutiveFailures"));
        Assert.True(ReloadableSettings.Contains("Gateway:RetryBudget:Percent"));
        Assert.True(ReloadableSettings.Contains("Gateway:RetryOnStatus"));
    }

    [Theory]
    [InlineData("503, 502,503", new[] { 502, 503 })]
    [InlineData(" ", new int[0])]
    [InlineData("599", new[] { 599 })]
    public void Retried_statuses_are_a_comma_separated_list_of_5xx_codes(string value, int[] expected)
    {
        Assert.Equal(expected, RetryStatuses.Parse(new GatewayOptions { RetryOnStatus = value }.Validated(GatewayOptions.Section).RetryOnStatus));
    }

    [Theory]
    [InlineData("404")]
    [InlineData("503;504")]
    [InlineData("5xx")]
    public void A_retried_status_outside_500_to_599_is_refused_by_name(string value)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => new GatewayOptions { RetryOnStatus = value }.Validated(GatewayOptions.Section));
        Assert.Contains("Gateway:RetryOnStatus", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outlier_and_budget_settings_out_of_range_are_refused_with_their_full_keys()
    {
        var options = new GatewayOptions
        {
            Outlier = new OutlierOptions { ConsecutiveFailures = -1, MaxEjectionPercent = 101 },
            RetryBudget = new RetryBudgetOptions { Percent = 150 },
        };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(GatewayOptions.Section));
        foreach (var key in new[] { "Gateway:Outlier:ConsecutiveFailures", "Gateway:Outlier:MaxEjectionPercent", "Gateway:RetryBudget:Percent" })
        {
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }

        var shorter = new GatewayOptions { Outlier = new OutlierOptions { BaseEjectionTime = TimeSpan.FromMinutes(2), MaxEjectionTime = TimeSpan.FromMinutes(1) } };
        error = Assert.Throws<InvalidConfigurationException>(() => shorter.Validated(GatewayOptions.Section));
        Assert.Contains("Gateway:Outlier:MaxEjectionTime", error.Message, StringComparison.Ordinal);
    }
}
