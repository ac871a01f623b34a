using IntegrationHub.Dispatch;
using IntegrationHub.Evidence;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

/// <summary>LEGAL.md §1.2 worked example: a meeting on Thursday 26 March 2026, 5 jours francs → latest sending day Friday 20 March.</summary>
public sealed class ConvocationVerdictTests
{
    private static readonly DateTimeOffset BeforeDeadline = new(2026, 3, 19, 9, 0, 0, TimeSpan.Zero);

    private static Session Session()
    {
        var session = new Session { StartsAtLocal = "2026-03-26T18:30", LatestSendDate = new DateOnly(2026, 3, 20) };
        session.ApplyRule(new ConvocationRule(5, 1, true, true, "CGCT L2121-12", "2019-12-29", new DateOnly(2019, 12, 29)));
        return session;
    }

    private static Delivery Sent(DateTimeOffset at, string purpose = DeliveryPurpose.Convocation, string status = DeliveryStatus.Sent) =>
        new() { Purpose = purpose, Status = status, SentAt = at };

    [Fact]
    public void SentOnTheLastLawfulDay_ParisTime_IsTimely()
    {
        // 22:30 UTC on the 20th is 23:30 in Paris: still the 20th.
        var verdict = ConvocationVerdict.Of(Session(), [Sent(new DateTimeOffset(2026, 3, 20, 22, 30, 0, TimeSpan.Zero))], BeforeDeadline);
        Assert.True(verdict.Timely);
        Assert.Equal(new DateOnly(2026, 3, 20), verdict.SentDate);
        Assert.Equal("CGCT L2121-12", verdict.RuleSource);
    }

    [Fact]
    public void SentTheNextParisDay_IsLate_EvenIfUtcIsStillTheDayBefore()
    {
        var verdict = ConvocationVerdict.Of(Session(), [Sent(new DateTimeOffset(2026, 3, 20, 23, 30, 0, TimeSpan.Zero))], BeforeDeadline);
        Assert.False(verdict.Timely);
        Assert.Equal(new DateOnly(2026, 3, 21), verdict.SentDate);
    }

    [Fact]
    public void FirstChannelThatLeftTheHub_Counts_NotUpdatesNorFailures()
    {
        var verdict = ConvocationVerdict.Of(Session(),
        [
            Sent(new DateTimeOffset(2026, 3, 12, 8, 0, 0, TimeSpan.Zero), status: DeliveryStatus.Failed),
            Sent(new DateTimeOffset(2026, 3, 13, 8, 0, 0, TimeSpan.Zero), purpose: DeliveryPurpose.Update),
            Sent(new DateTimeOffset(2026, 3, 16, 8, 0, 0, TimeSpan.Zero), status: DeliveryStatus.Delivered),
            Sent(new DateTimeOffset(2026, 3, 15, 8, 0, 0, TimeSpan.Zero)),
        ], BeforeDeadline);
        Assert.Equal(new DateOnly(2026, 3, 15), verdict.SentDate);
        Assert.True(verdict.Timely);
    }

    [Fact]
    public void NothingSent_IsUndecidedUntilTheLastLawfulDayHasPassed()
    {
        Assert.Null(ConvocationVerdict.Of(Session(), [], new DateTimeOffset(2026, 3, 20, 22, 0, 0, TimeSpan.Zero)).Timely);
        Assert.False(ConvocationVerdict.Of(Session(), [], new DateTimeOffset(2026, 3, 20, 23, 30, 0, TimeSpan.Zero)).Timely);
    }
}
