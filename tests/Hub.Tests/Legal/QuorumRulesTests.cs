using System.Text.Json;
using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class QuorumRulesTests
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    // LEGAL.md §3: 27 in office → 14 (worked example), 25 → 13 (L2131-11 reading), 11 → 6, 8 → 5.
    [Theory]
    [InlineData(27, 14)]
    [InlineData(25, 13)]
    [InlineData(11, 6)]
    [InlineData(8, 5)]
    [InlineData(29, 15)]
    [InlineData(2, 2)]
    [InlineData(1, 1)]
    public void Required_MembersInOffice_ReturnsMoreThanHalf(int membersInOffice, int expected)
    {
        Assert.Equal(expected, QuorumRules.Required(membersInOffice));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Required_NoMemberInOffice_ThrowsArgumentOutOfRangeException(int membersInOffice)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QuorumRules.Required(membersInOffice));
    }

    [Fact]
    public void Forecast_WorkedExampleOpening_ReturnsReachedWithAllCounts()
    {
        // LEGAL.md §3: 27 in office, 15 present and 5 proxies at the opening.
        var forecast = QuorumRules.Forecast(27, present: 15, absent: 2, proxies: 5, noAnswer: 5);

        Assert.Equal(new QuorumForecast(27, 14, 15, 2, 5, 5, QuorumOutlook.Reached), forecast);
    }

    [Fact]
    public void Forecast_PresentEqualsQuorum_ReturnsReached()
    {
        Assert.Equal(QuorumOutlook.Reached, QuorumRules.Forecast(27, present: 14, absent: 13, proxies: 0, noAnswer: 0).Forecast);
    }

    [Fact]
    public void Forecast_PresentPlusNoAnswerReachesQuorum_ReturnsAtRisk()
    {
        Assert.Equal(QuorumOutlook.AtRisk, QuorumRules.Forecast(27, present: 10, absent: 9, proxies: 4, noAnswer: 4).Forecast);
    }

    [Fact]
    public void Forecast_PresentPlusNoAnswerBelowQuorum_ReturnsNotReached()
    {
        Assert.Equal(QuorumOutlook.NotReached, QuorumRules.Forecast(27, present: 10, absent: 10, proxies: 4, noAnswer: 3).Forecast);
    }

    [Fact]
    public void Forecast_ProxiesWouldMakeMajority_DoNotCountAndReturnNotReached()
    {
        // CGCT L2121-17: only members physically present count; 11 present + 5 proxies is still below 14.
        var forecast = QuorumRules.Forecast(27, present: 11, absent: 11, proxies: 5, noAnswer: 0);

        Assert.Equal(QuorumOutlook.NotReached, forecast.Forecast);
    }

    [Fact]
    public void Forecast_NobodyAnsweredYet_ReturnsAtRisk()
    {
        Assert.Equal(QuorumOutlook.AtRisk, QuorumRules.Forecast(11, present: 0, absent: 0, proxies: 0, noAnswer: 11).Forecast);
    }

    [Fact]
    public void Forecast_AnswersExceedMembersInOffice_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => QuorumRules.Forecast(11, present: 6, absent: 3, proxies: 2, noAnswer: 1));
    }

    [Fact]
    public void Forecast_NegativeCount_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QuorumRules.Forecast(11, present: 6, absent: -1, proxies: 0, noAnswer: 0));
    }

    [Theory]
    [InlineData(QuorumOutlook.Reached, "\"reached\"")]
    [InlineData(QuorumOutlook.AtRisk, "\"atRisk\"")]
    [InlineData(QuorumOutlook.NotReached, "\"notReached\"")]
    public void QuorumOutlook_SerializedToJson_UsesApiStrings(QuorumOutlook outlook, string expected)
    {
        Assert.Equal(expected, JsonSerializer.Serialize(outlook));
        Assert.Equal(outlook, JsonSerializer.Deserialize<QuorumOutlook>(expected));
        Assert.Equal(expected, JsonSerializer.Serialize(outlook, WebJson));
    }
}
