namespace Orleans.LoadBalancer.Hosting;

/// <summary>A setting read at start-up is wrong; the message names the key and what is wrong with it.</summary>
public sealed class InvalidConfigurationException(string message, Exception? inner = null)
    : InvalidOperationException($"Invalid configuration: {message}", inner);
