namespace Orleans.LoadBalancer.BackendServer;

/// <summary>The name the replica answers with; a warm spare gets its name once, when it is put to work.</summary>
internal sealed class ServerIdentity(string name)
{
    private volatile string _name = name;
    private int _assigned;

    public string Name => _name;

    public bool Assign(string name)
    {
        if (Interlocked.Exchange(ref _assigned, 1) == 1)
        {
            return false;
        }

        _name = name;
        return true;
    }
}
