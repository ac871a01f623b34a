namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class SmsSegmentsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    public void Count_Gsm7Text_Uses160ThenConcatenated153(int length, int expected)
    {
        Assert.Equal(expected, SmsSegments.Count(new string('a', length)));
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Count_Ucs2Text_Uses70ThenConcatenated67(int length, int expected)
    {
        var body = "œ" + new string('a', length - 1);

        Assert.Equal(expected, SmsSegments.Count(body));
    }

    [Fact]
    public void Count_EmptyBody_IsZero()
    {
        Assert.Equal(0, SmsSegments.Count(string.Empty));
    }

    [Theory]
    [InlineData("é")]
    [InlineData("è")]
    [InlineData("à")]
    [InlineData("ù")]
    [InlineData("É")]
    public void Count_FrenchAccentsOfTheGsmAlphabet_StayGsm7(string accent)
    {
        var body = string.Concat(Enumerable.Repeat(accent, 160));

        Assert.True(SmsSegments.IsGsm7(body));
        Assert.Equal(1, SmsSegments.Count(body));
    }

    [Theory]
    [InlineData("œ")]
    [InlineData("ê")]
    [InlineData("ç")]
    [InlineData("«")]
    [InlineData("😀")]
    public void Count_CharacterOutsideGsm7_SwitchesTheWholeBodyToUcs2(string character)
    {
        var body = character + new string('a', 80);

        Assert.False(SmsSegments.IsGsm7(body));
        Assert.Equal(2, SmsSegments.Count(body));
        Assert.Equal(1, SmsSegments.Count(new string('a', 80)));
    }

    [Fact]
    public void Count_Emoji_CountsTwoCodeUnits()
    {
        Assert.Equal(1, SmsSegments.Count("😀" + new string('a', 68)));
        Assert.Equal(2, SmsSegments.Count("😀" + new string('a', 69)));
    }

    [Theory]
    [InlineData("€")]
    [InlineData("{")]
    [InlineData("}")]
    [InlineData("[")]
    [InlineData("\\")]
    [InlineData("~")]
    public void Count_ExtensionCharacter_CountsTwoSeptets(string character)
    {
        Assert.True(SmsSegments.IsGsm7(character));
        Assert.Equal(1, SmsSegments.Count(string.Concat(Enumerable.Repeat(character, 80))));
        Assert.Equal(2, SmsSegments.Count(string.Concat(Enumerable.Repeat(character, 81))));
        Assert.Equal(2, SmsSegments.Count(character + new string('a', 159)));
    }

    [Fact]
    public void Count_EscapePairAtAPartBoundary_IsNotSplit()
    {
        // 306 septets would fit two parts of 153, but the € (escape + code) cannot straddle parts 1 and 2.
        var body = new string('a', 152) + "€" + new string('a', 152);

        Assert.Equal(3, SmsSegments.Count(body));
        Assert.Equal(2, SmsSegments.Count(new string('a', 151) + "€" + new string('a', 153)));
    }

    [Fact]
    public void Count_SurrogatePairAtAPartBoundary_IsNotSplit()
    {
        // 134 code units would fit two parts of 67, but the emoji cannot straddle parts 1 and 2.
        var body = "œ" + new string('a', 65) + "😀" + new string('a', 66);

        Assert.Equal(134, body.Length);
        Assert.Equal(3, SmsSegments.Count(body));
    }

    [Fact]
    public void Count_LineBreaks_StayGsm7()
    {
        Assert.True(SmsSegments.IsGsm7("Conseil\r\nmunicipal\n"));
    }

    [Theory]
    [InlineData("Mairie de Côte-Saint-André : séance n° 12", "Mairie de Cote-Saint-André : séance no 12")]
    [InlineData("L\u2019Haÿ-les-Roses\u00A0: «\u00A0Conseil\u00A0»", "L'Hay-les-Roses : \" Conseil \"")]
    [InlineData("Œuvre sociale — vœu", "OEuvre sociale - voeu")]
    [InlineData("Déjà GSM : é è ù à Ç", "Déjà GSM : é è ù à Ç")]
    public void ToGsm7_FrenchAccentsAndTypography_BecomeGsm7(string text, string expected)
    {
        var converted = SmsSegments.ToGsm7(text);
        Assert.Equal(expected, converted);
        Assert.True(SmsSegments.IsGsm7(converted));
    }

    [Theory]
    [InlineData("Séance annulée 🙁")]
    [InlineData("Заседание")]
    public void ToGsm7_OtherScriptsOrEmoji_AreLeftForUcs2(string text) => Assert.Equal(text, SmsSegments.ToGsm7(text));

    [Fact]
    public void ToGsm7_AFrenchAlertOfTwoUcs2Parts_FitsOneOrTwoGsm7Parts()
    {
        var alert = "Commune de Côte-Saint-André : convocation à la séance \"Conseil municipal\" du 26/03/2026 à 18 h 30. Répondre : https://hub.example.fr/convocations/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGh";
        Assert.Equal(3, SmsSegments.Count(alert));
        Assert.True(SmsSegments.Count(SmsSegments.ToGsm7(alert)) <= 2);
    }
}
