using System.Globalization;
using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class ConvocationDeadlineTests
{
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);
    private static readonly TimeSpan Summer = TimeSpan.FromHours(2);
    private static readonly ConvocationRuleCatalog Catalog = new();

    private static ConvocationRule CommuneRule(int population, DateOnly meeting) =>
        Catalog.Derive(AuthorityKind.Commune, population, AssemblyKind.Council, meeting);

    private static ConvocationRule FiveClearDays(DateOnly meeting) => CommuneRule(6200, meeting);

    // LEGAL.md §1.2, worked examples (2026).
    [Theory]
    [InlineData("2026-03-26", 6200, false, "2026-03-20")]
    [InlineData("2026-03-26", 800, false, "2026-03-22")]
    [InlineData("2026-04-09", 800, false, "2026-04-05")]
    [InlineData("2026-04-09", 800, true, "2026-04-07")]
    [InlineData("2026-04-09", 6200, true, "2026-04-07")]
    [InlineData("2026-05-19", 6200, false, "2026-05-13")]
    public void LatestSendDate_LegalWorkedExample_ReturnsLatestSendingDay(string meeting, int population, bool urgent, string expected)
    {
        var meetingDate = DateOnly.Parse(meeting, CultureInfo.InvariantCulture);

        var latest = ConvocationDeadline.LatestSendDate(meetingDate, CommuneRule(population, meetingDate), urgent);

        Assert.Equal(DateOnly.Parse(expected, CultureInfo.InvariantCulture), latest);
    }

    [Fact]
    public void LatestSendDate_EpciMeeting26March2026_ReturnsFriday20March()
    {
        var meeting = new DateOnly(2026, 3, 26);
        var rule = Catalog.Derive(AuthorityKind.Epci, 800, AssemblyKind.Council, meeting);

        Assert.Equal(new DateOnly(2026, 3, 20), ConvocationDeadline.LatestSendDate(meeting, rule, urgent: false));
    }

    [Fact]
    public void LatestSendDate_InstallationMeetingWithThreeClearDays_ReturnsMonday16March()
    {
        // LEGAL.md §1.2: installation meeting Fri 20 Mar 2026 under L2121-7 (3 jours francs for every commune).
        var rule = new ConvocationRule(3, 1, true, false, "CGCT L2121-7", "test", new DateOnly(1996, 2, 24));

        Assert.Equal(new DateOnly(2026, 3, 16), ConvocationDeadline.LatestSendDate(new DateOnly(2026, 3, 20), rule, urgent: false));
    }

    [Fact]
    public void LatestSendDate_YearBoundaryWithFiveClearDays_Returns27December()
    {
        var meeting = new DateOnly(2027, 1, 2);

        Assert.Equal(new DateOnly(2026, 12, 27), ConvocationDeadline.LatestSendDate(meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void LatestSendDate_NotClearDays_ReturnsMeetingMinusNoticeDays()
    {
        var rule = new ConvocationRule(12, 1, false, false, "test", "test", new DateOnly(1996, 2, 24));

        Assert.Equal(new DateOnly(2026, 3, 14), ConvocationDeadline.LatestSendDate(new DateOnly(2026, 3, 26), rule, urgent: false));
    }

    [Fact]
    public void LatestSendDate_UrgentWithNotClearDaysRule_StillCountsOneJourFranc()
    {
        var rule = new ConvocationRule(12, 1, false, false, "test", "test", new DateOnly(1996, 2, 24));

        Assert.Equal(new DateOnly(2026, 3, 24), ConvocationDeadline.LatestSendDate(new DateOnly(2026, 3, 26), rule, urgent: true));
    }

    [Fact]
    public void LatestSendDate_DepartementByDefault_ReturnsMeetingMinus13Days()
    {
        var meeting = new DateOnly(2026, 3, 26);
        var rule = Catalog.Derive(AuthorityKind.Departement, 500_000, AssemblyKind.Council, meeting);

        Assert.Equal(new DateOnly(2026, 3, 13), ConvocationDeadline.LatestSendDate(meeting, rule, urgent: false));
    }

    [Theory]
    [InlineData(AuthorityKind.Departement)]
    [InlineData(AuthorityKind.Region)]
    public void LatestSendDate_DepartementOrRegionConfiguredNotClear_ReturnsMeetingMinus12Days(AuthorityKind kind)
    {
        var catalog = new ConvocationRuleCatalog(new LegalOptions { DepartementRegionClearDays = false });
        var meeting = new DateOnly(2026, 3, 26);
        var rule = catalog.Derive(kind, 500_000, AssemblyKind.Council, meeting);

        Assert.Equal(new DateOnly(2026, 3, 14), ConvocationDeadline.LatestSendDate(meeting, rule, urgent: false));
    }

    [Fact]
    public void LatestSendDate_RegionUrgent_ReturnsMeetingMinusTwoDays()
    {
        var meeting = new DateOnly(2026, 3, 26);
        var rule = Catalog.Derive(AuthorityKind.Region, 6_000_000, AssemblyKind.Council, meeting);

        Assert.Equal(new DateOnly(2026, 3, 24), ConvocationDeadline.LatestSendDate(meeting, rule, urgent: true));
    }

    [Fact]
    public void LatestSendDate_NullRule_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => ConvocationDeadline.LatestSendDate(new DateOnly(2026, 3, 26), null!, urgent: false));
    }

    [Fact]
    public void LatestSendDate_NegativeNoticeDays_ThrowsArgumentOutOfRangeException()
    {
        var rule = new ConvocationRule(-1, 1, true, false, "test", "test", new DateOnly(1996, 2, 24));

        Assert.Throws<ArgumentOutOfRangeException>(() => ConvocationDeadline.LatestSendDate(new DateOnly(2026, 3, 26), rule, urgent: false));
    }

    [Fact]
    public void IsTimely_WinterSentAt2359ParisOnLatestDay_ReturnsTrue()
    {
        var meeting = new DateOnly(2026, 3, 26);

        Assert.True(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 3, 20, 23, 59, 0, Winter), meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void IsTimely_WinterSentAt0001ParisNextDay_ReturnsFalse()
    {
        var meeting = new DateOnly(2026, 3, 26);

        Assert.False(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 3, 21, 0, 1, 0, Winter), meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void IsTimely_WinterSentAt2301UtcOnLatestDay_ReturnsFalseBecauseParisDateIsNextDay()
    {
        var meeting = new DateOnly(2026, 3, 26);

        Assert.False(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 3, 20, 23, 1, 0, TimeSpan.Zero), meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void IsTimely_SummerSentAt2359ParisOnLatestDay_ReturnsTrue()
    {
        var meeting = new DateOnly(2026, 5, 19);

        Assert.True(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 5, 13, 21, 59, 0, TimeSpan.Zero), meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void IsTimely_SummerSentAt0001ParisNextDay_ReturnsFalse()
    {
        var meeting = new DateOnly(2026, 5, 19);

        Assert.False(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 5, 13, 22, 1, 0, TimeSpan.Zero), meeting, FiveClearDays(meeting), urgent: false));
        Assert.False(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 5, 14, 0, 1, 0, Summer), meeting, FiveClearDays(meeting), urgent: false));
    }

    // Meeting Sat 4 Apr 2026, 5 jours francs: latest sending day is Sun 29 Mar 2026, when clocks go 02:00 → 03:00.
    [Theory]
    [InlineData("2026-03-28T22:59:00Z", true)]
    [InlineData("2026-03-28T23:01:00Z", true)]
    [InlineData("2026-03-29T00:59:00Z", true)]
    [InlineData("2026-03-29T01:00:00Z", true)]
    [InlineData("2026-03-29T21:59:00Z", true)]
    [InlineData("2026-03-29T22:01:00Z", false)]
    [InlineData("2026-03-29T22:59:00Z", false)]
    public void IsTimely_SpringForwardDayIsLatestDay_UsesParisDateOfInstant(string sentAt, bool expected)
    {
        var meeting = new DateOnly(2026, 4, 4);

        Assert.Equal(expected, ConvocationDeadline.IsTimely(DateTimeOffset.Parse(sentAt, CultureInfo.InvariantCulture), meeting, FiveClearDays(meeting), urgent: false));
    }

    // Meeting Sat 31 Oct 2026, 5 jours francs: latest sending day is Sun 25 Oct 2026, when clocks go 03:00 → 02:00.
    [Theory]
    [InlineData("2026-10-24T21:59:00Z", true)]
    [InlineData("2026-10-24T22:01:00Z", true)]
    [InlineData("2026-10-25T00:30:00Z", true)]
    [InlineData("2026-10-25T01:30:00Z", true)]
    [InlineData("2026-10-25T22:59:00Z", true)]
    [InlineData("2026-10-25T23:01:00Z", false)]
    public void IsTimely_FallBackDayIsLatestDay_UsesParisDateOfInstant(string sentAt, bool expected)
    {
        var meeting = new DateOnly(2026, 10, 31);

        Assert.Equal(expected, ConvocationDeadline.IsTimely(DateTimeOffset.Parse(sentAt, CultureInfo.InvariantCulture), meeting, FiveClearDays(meeting), urgent: false));
    }

    [Fact]
    public void IsTimely_YearBoundary_UsesParisDateAcrossNewYear()
    {
        var meeting = new DateOnly(2027, 1, 2);
        var rule = FiveClearDays(meeting);

        Assert.True(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 12, 27, 22, 59, 0, TimeSpan.Zero), meeting, rule, urgent: false));
        Assert.False(ConvocationDeadline.IsTimely(new DateTimeOffset(2026, 12, 27, 23, 1, 0, TimeSpan.Zero), meeting, rule, urgent: false));
    }

    [Fact]
    public void IsTimely_UrgentSentTwoDaysBefore_ReturnsTrueOnlyWhenUrgent()
    {
        var meeting = new DateOnly(2026, 4, 9);
        var rule = CommuneRule(800, meeting);
        var sentAt = new DateTimeOffset(2026, 4, 7, 18, 0, 0, Summer);

        Assert.True(ConvocationDeadline.IsTimely(sentAt, meeting, rule, urgent: true));
        Assert.False(ConvocationDeadline.IsTimely(sentAt, meeting, rule, urgent: false));
    }

    [Theory]
    [InlineData("2026-03-26", "2026-03-20T23:00:00Z")]
    [InlineData("2026-05-19", "2026-05-13T22:00:00Z")]
    [InlineData("2026-04-04", "2026-03-29T22:00:00Z")]
    [InlineData("2026-10-31", "2026-10-25T23:00:00Z")]
    public void SendingClosesAt_FiveClearDays_ReturnsParisMidnightAfterLatestSendDate(string meeting, string expected)
    {
        var meetingDate = DateOnly.Parse(meeting, CultureInfo.InvariantCulture);

        var closesAt = ConvocationDeadline.SendingClosesAt(meetingDate, FiveClearDays(meetingDate), urgent: false);

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), closesAt);
        Assert.False(ConvocationDeadline.IsTimely(closesAt, meetingDate, FiveClearDays(meetingDate), urgent: false));
        Assert.True(ConvocationDeadline.IsTimely(closesAt.AddTicks(-1), meetingDate, FiveClearDays(meetingDate), urgent: false));
    }
}
