using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using Xunit;

namespace IntegrationHub.Tests.Api;

/// <summary>
/// French typography in what people read: a non-breaking space (U+00A0) before « : ; ? ! » and inside « », and one
/// apostrophe (the straight one) throughout.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class FrenchTypographyTests(HubAppFixture<SqliteEngine> fixture) : IClassFixture<HubAppFixture<SqliteEngine>>
{
    private static readonly string[] Wrong = [" :", " ;", " ?", " !", "« ", " »", "\u2019"];

    private HttpClient Client => fixture.App.Admin;

    [Fact]
    public async Task Problems_ForASetOfBadRequests_UseNonBreakingSpacesBeforeDoublePunctuationAndInsideGuillemets()
    {
        var s = await Scenario.CreateAsync(Client, members: 2);
        var late = await Scenario.CreateAsync(Client, members: 1, startsAt: "2026-03-13T18:30");
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocation = (await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"))[0].GetProperty("convocationId").GetGuid();
        var cancelled = await Scenario.CreateAsync(Client, members: 1);
        await Client.PostOkAsync($"/api/sessions/{cancelled.SessionId}/cancel", new { reason = "Report" }, 200);
        using var anonymous = fixture.App.CreateClient(null);

        var responses = new[]
        {
            await Client.PostAsJsonAsync("/api/authorities", new { name = "", kind = "village", population = -1, siren = "1", departmentCode = "99" }),
            await Client.PostAsJsonAsync($"/api/assemblies/{s.AssemblyId}/sessions", new { startsAt = "demain", place = "", urgent = true, items = Array.Empty<object>() }),
            await Client.PostAsJsonAsync($"/api/convocations/{convocation}/answer", new { attendance = "peut-être" }),
            await Client.PostAsJsonAsync($"/api/convocations/{convocation}/answer", new { attendance = "proxy", proxyHolderMemberId = s.MemberIds[0] }),
            await Client.PostAsJsonAsync($"/api/authorities/{s.AuthorityId}/members", new { firstName = "A", lastName = "B", delivery = "pigeon", email = "x", mobile = "06" }),
            await Client.PatchAsJsonAsync($"/api/sessions/{cancelled.SessionId}", new { place = "Ailleurs" }),
            await Client.PostAsync($"/api/sessions/{late.SessionId}/send", null),
            await Client.PostAsync($"/api/sessions/{s.SessionId}/send", null),
            await anonymous.GetAsync($"/api/sessions/{s.SessionId}"),
        };

        var texts = new List<string>();
        foreach (var response in responses)
        {
            Assert.True((int)response.StatusCode >= 400, $"{response.RequestMessage!.RequestUri} → {(int)response.StatusCode}");
            texts.AddRange(ProblemTexts(await response.ReadJsonAsync()));
        }
        Assert.Contains(texts, t => t.Contains('\u00A0', StringComparison.Ordinal));
        AssertTypography(texts);
    }

    [Fact]
    public async Task MemberPage_InvalidLink_UsesNonBreakingSpaces()
    {
        using var browser = fixture.App.CreateClient(null);
        var page = await browser.GetAsync("/convocations/not-a-valid-token");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        var text = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("valide\u00A0:", text, StringComparison.Ordinal);
        AssertTypography([text]);
    }

    [Theory]
    [InlineData("Motif : report ; voir « ici » ?", "Motif\u00A0: report\u00A0; voir «\u00A0ici\u00A0»\u00A0?")]
    [InlineData("«\u00A0déjà\u00A0» juste\u00A0!", "«\u00A0déjà\u00A0» juste\u00A0!")]
    [InlineData("à 18:30, http://hub.test/x?t=1 (exemples : 34)", "à 18:30, http://hub.test/x?t=1 (exemples\u00A0: 34)")]
    public void Typography_Text_PutsNonBreakingSpacesWhereFrenchWantsThemOnly(string text, string expected) =>
        Assert.Equal(expected, Text.French.Typography(text));

    private static IEnumerable<string> ProblemTexts(JsonElement problem)
    {
        foreach (var name in new[] { "title", "detail" })
        {
            if (problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                yield return value.GetString()!;
            }
        }
        if (problem.TryGetProperty("errors", out var errors))
        {
            foreach (var field in errors.EnumerateObject())
            {
                foreach (var message in field.Value.EnumerateArray())
                {
                    yield return message.GetString()!;
                }
            }
        }
    }

    private static void AssertTypography(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            foreach (var wrong in Wrong)
            {
                Assert.False(text.Contains(wrong, StringComparison.Ordinal), $"« {wrong} » in: {text}");
            }
        }
    }
}
