namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioStatusTests
{
    [Fact]
    public void Rank_LifecycleStatuses_IncreaseInOrder()
    {
        string[] lifecycle = ["accepted", "queued", "sending", "sent", "delivered"];

        var ranks = lifecycle.Select(TwilioStatus.Rank).ToList();

        Assert.Equal(ranks.Order(), ranks);
        Assert.Equal(ranks.Count, ranks.Distinct().Count());
    }

    [Theory]
    [InlineData("delivered")]
    [InlineData("undelivered")]
    [InlineData("failed")]
    [InlineData("canceled")]
    [InlineData("DELIVERED")]
    public void IsFinal_FinalStatus_IsTrueAndRanksAboveSent(string status)
    {
        Assert.True(TwilioStatus.IsFinal(status));
        Assert.True(TwilioStatus.Rank(status) > TwilioStatus.Rank("sent"));
    }

    [Theory]
    [InlineData("sent", "delivered")]
    [InlineData("queued", "failed")]
    [InlineData("sending", "undelivered")]
    [InlineData("queued", "sent")]
    public void Supersedes_LateEarlierStatus_NeverMovesBackwards(string earlier, string later)
    {
        Assert.True(TwilioStatus.Supersedes(later, earlier));
        Assert.False(TwilioStatus.Supersedes(earlier, later));
    }

    [Theory]
    [InlineData("delivered", "undelivered")]
    [InlineData("undelivered", "delivered")]
    [InlineData("failed", "delivered")]
    [InlineData("delivered", "delivered")]
    public void Supersedes_FinalAfterFinal_KeepsTheFirst(string stored, string incoming)
    {
        Assert.False(TwilioStatus.Supersedes(incoming, stored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("something_new")]
    public void Rank_UnknownStatus_IsZeroAndReplacesNothing(string? status)
    {
        Assert.Equal(0, TwilioStatus.Rank(status));
        Assert.False(TwilioStatus.Supersedes(status, "queued"));
        Assert.True(TwilioStatus.Supersedes("queued", status));
    }
}
