using System.Globalization;
using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class ParisTimeTests
{
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);
    private static readonly TimeSpan Summer = TimeSpan.FromHours(2);

    [Fact]
    public void Zone_Always_IsEuropeParisWithWinterAndSummerOffsets()
    {
        Assert.Equal(Winter, ParisTime.Zone.GetUtcOffset(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(Summer, ParisTime.Zone.GetUtcOffset(new DateTimeOffset(2026, 7, 15, 12, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("2026-03-20T22:59:00Z", "2026-03-20")]
    [InlineData("2026-03-20T23:01:00Z", "2026-03-21")]
    [InlineData("2026-05-13T21:59:00Z", "2026-05-13")]
    [InlineData("2026-05-13T22:01:00Z", "2026-05-14")]
    [InlineData("2026-12-31T23:30:00Z", "2027-01-01")]
    public void ToParisDate_UtcInstantNearMidnight_ReturnsParisCalendarDate(string instant, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected, CultureInfo.InvariantCulture), ParisTime.ToParisDate(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void ToParisLocal_SummerInstant_ReturnsUnspecifiedWallClock()
    {
        var local = ParisTime.ToParisLocal(new DateTimeOffset(2026, 7, 14, 8, 30, 0, TimeSpan.Zero));

        Assert.Equal(new DateTime(2026, 7, 14, 10, 30, 0), local);
        Assert.Equal(DateTimeKind.Unspecified, local.Kind);
    }

    [Fact]
    public void ToInstant_WinterTime_UsesUtcPlusOne()
    {
        var instant = ParisTime.ToInstant(new DateTime(2026, 3, 20, 18, 0, 0));

        Assert.Equal(Winter, instant.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 20, 17, 0, 0, TimeSpan.Zero), instant);
    }

    [Fact]
    public void ToInstant_SummerTime_UsesUtcPlusTwo()
    {
        var instant = ParisTime.ToInstant(new DateTime(2026, 5, 13, 18, 0, 0));

        Assert.Equal(Summer, instant.Offset);
        Assert.Equal(new DateTimeOffset(2026, 5, 13, 16, 0, 0, TimeSpan.Zero), instant);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 30)]
    [InlineData(2, 59)]
    public void ToInstant_SpringForwardGap_ThrowsFrenchArgumentException(int hour, int minute)
    {
        var exception = Assert.Throws<ArgumentException>(() => ParisTime.ToInstant(new DateTime(2026, 3, 29, hour, minute, 0)));

        Assert.Equal("parisLocal", exception.ParamName);
        Assert.Contains("n'existe pas à Paris", exception.Message, StringComparison.Ordinal);
        Assert.Contains("heure d'été", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToInstant_AroundSpringForwardGap_JumpsFromWinterToSummerOffset()
    {
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 0, 59, 0, TimeSpan.Zero), ParisTime.ToInstant(new DateTime(2026, 3, 29, 1, 59, 0)));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), ParisTime.ToInstant(new DateTime(2026, 3, 29, 3, 0, 0)));
    }

    [Fact]
    public void ToInstant_AmbiguousFallBackHour_ChoosesFirstOccurrenceInSummerTime()
    {
        var instant = ParisTime.ToInstant(new DateTime(2026, 10, 25, 2, 30, 0));

        Assert.Equal(Summer, instant.Offset);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), instant);
    }

    [Fact]
    public void ToInstant_AfterFallBackHour_UsesWinterOffset()
    {
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.Zero), ParisTime.ToInstant(new DateTime(2026, 10, 25, 3, 0, 0)));
    }

    [Theory]
    [InlineData(DateTimeKind.Utc)]
    [InlineData(DateTimeKind.Local)]
    public void ToInstant_KindNotUnspecified_ThrowsArgumentException(DateTimeKind kind)
    {
        var exception = Assert.Throws<ArgumentException>(() => ParisTime.ToInstant(new DateTime(2026, 3, 20, 18, 0, 0, kind)));

        Assert.Contains("heure locale de Paris", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-03-29T00:59:00Z")]
    [InlineData("2026-03-29T01:00:00Z")]
    [InlineData("2026-10-25T00:30:00Z")]
    [InlineData("2026-10-25T02:00:00Z")]
    [InlineData("2026-12-31T23:00:00Z")]
    public void ToInstant_ParisLocalOfUnambiguousInstant_RoundTrips(string instant)
    {
        var original = DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

        Assert.Equal(original, ParisTime.ToInstant(ParisTime.ToParisLocal(original)));
    }
}
