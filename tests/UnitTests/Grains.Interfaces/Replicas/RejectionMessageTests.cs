using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

public sealed class RejectionMessageTests
{
    [Fact]
    public void The_parameter_suffix_is_dropped()
    {
        Assert.Equal("The weight must be 1", RejectionMessage.Of(new ArgumentException("The weight must be 1", "weight")));
    }

    [Fact]
    public void A_message_without_a_parameter_is_kept_whole()
    {
        Assert.Equal("No replica (Parameter 'x')", RejectionMessage.Of(new ArgumentException("No replica (Parameter 'x')")));
    }
}
