using System.IO.Hashing;
using System.Text;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The routing key hash: XxHash3 of the UTF-8 bytes, the same in every process, allocation-free.</summary>
public sealed class KeyHashTests
{
    /// <summary>
    /// Literal values (checked against the reference C implementation of XXH3_64bits), so a hash that differed per
    /// process or per build, as .NET's randomized string hash does, would fail here.
    /// </summary>
    [Theory]
    [InlineData("", 0x2D06800538D394C2UL)]
    [InlineData("123456", 0x507F6D6059FF79DEUL)]
    [InlineData("user-7", 0xB1DE7A364DEF053EUL)]
    [InlineData("héllo", 0x6A45B79A7B549B1FUL)]
    [InlineData("d3b07384-d9a0-4c9b-8f2e-6a1e0b7c5f41", 0xB655FB7E319F9FB7UL)]
    [InlineData("replica-1", 0xDDB586336869FA26UL)]
    public void Has_the_same_value_in_every_process(string key, ulong expected) => Assert.Equal(expected, KeyHash.Hash(key));

    [Theory]
    [InlineData("")]
    [InlineData("123456")]
    [InlineData("héllo wörld ✓ 𝄞")]
    [InlineData(null)]
    public void Is_xxhash3_of_the_utf8_bytes_at_any_length(string? key)
    {
        foreach (var text in key is null ? [new string('x', 170), new string('é', 171), new string('✓', 1000)] : new[] { key })
        {
            Assert.Equal(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text)), KeyHash.Hash(text));
        }
    }

    [Fact]
    public void Allocates_nothing_for_short_or_long_keys()
    {
        var keys = new[] { "d3b07384-d9a0-4c9b-8f2e-6a1e0b7c5f41", new string('k', 2_000) };
        var expected = Sum();

        var (allocated, again) = AllocationProbe.Steady(Sum);

        Assert.Equal(0, allocated);
        Assert.Equal(expected, again);

        ulong Sum()
        {
            ulong sum = 0;
            for (var i = 0; i < 1_000; i++)
            {
                sum += KeyHash.Hash(keys[i & 1]);
            }

            return sum;
        }
    }
}
