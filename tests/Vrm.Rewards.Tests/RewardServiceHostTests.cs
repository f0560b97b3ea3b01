using Vrm.Rewards.Service;

namespace Vrm.Rewards.Tests;

public class RewardServiceHostTests
{
    [Fact]
    public void Port_comes_from_the_option_then_the_environment_then_7200()
    {
        Assert.Equal(7300, RewardServiceHost.ResolvePort(7300, _ => "7400"));
        Assert.Equal(7400, RewardServiceHost.ResolvePort(null, name => name == "VRM_REWARD_PORT" ? " 7400 " : null));
        Assert.Equal(7200, RewardServiceHost.ResolvePort(null, _ => null));
        Assert.Equal(7200, RewardServiceHost.ResolvePort(null, _ => ""));
    }

    [Fact]
    public void Bad_ports_are_refused_naming_their_source()
    {
        Assert.Contains("VRM_REWARD_PORT", Assert.Throws<ArgumentException>(() => RewardServiceHost.ResolvePort(null, _ => "seventy")).Message);
        Assert.Contains("VRM_REWARD_PORT", Assert.Throws<ArgumentOutOfRangeException>(() => RewardServiceHost.ResolvePort(null, _ => "70000")).Message);
        Assert.Contains("--port", Assert.Throws<ArgumentOutOfRangeException>(() => RewardServiceHost.ResolvePort(-1, _ => null)).Message);
    }

    [Fact]
    public void Bad_options_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => RewardServiceHost.Build(0, new RewardServiceOptions { MaxItems = 0 }));
        Assert.Equal(nameof(RewardServiceOptions.MaxItems), e.ParamName);
    }
}
