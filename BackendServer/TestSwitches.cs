namespace Orleans.LoadBalancer.BackendServer;

/// <summary>Switches for chaos tests, only honoured when <c>BACKEND_TEST_SWITCHES=1</c> (or hanging from the start).</summary>
internal sealed class TestSwitches(bool enabled, bool hangFromStart)
{
    private volatile bool _hanging = hangFromStart;

    public bool Enabled { get; } = enabled;

    public bool Hanging
    {
        get => _hanging;
        set => _hanging = value;
    }
}
