namespace Orleans.LoadBalancer.Replicas;

/// <summary>The reason an <see cref="ArgumentException"/> gives, as a client reads it: without .NET's "(Parameter 'x')".</summary>
public static class RejectionMessage
{
    public static string Of(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var suffix = exception.ParamName is null ? null : $" (Parameter '{exception.ParamName}')";
        return suffix is not null && exception.Message.EndsWith(suffix, StringComparison.Ordinal)
            ? exception.Message[..^suffix.Length]
            : exception.Message;
    }
}
