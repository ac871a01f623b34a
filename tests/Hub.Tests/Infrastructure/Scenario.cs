using System.Net.Http.Json;
using System.Text.Json;

namespace IntegrationHub.Tests.Infrastructure;

/// <summary>Builds an authority with an assembly, members in office and a session, through the public API only.</summary>
public sealed class Scenario
{
    private static int _siren;

    public Guid AuthorityId { get; private set; }
    public Guid AssemblyId { get; private set; }
    public List<Guid> MemberIds { get; } = [];
    public List<string> MemberEmails { get; } = [];
    public Guid SessionId { get; private set; }
    public JsonElement Session { get; private set; }

    /// <summary>A valid SIREN (Luhn) that differs on each call, so scenarios never collide.</summary>
    public static string NextSiren()
    {
        var body = (210000000 + Interlocked.Increment(ref _siren) * 10 + Random.Shared.Next(0, 9)).ToString(System.Globalization.CultureInfo.InvariantCulture)[..8];
        for (var check = 0; check <= 9; check++)
        {
            var candidate = body + check;
            if (Authorities.AuthorityValidation.IsValidSiren(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    public static async Task<Scenario> CreateAsync(
        HttpClient client, int members = 3, int population = 4200, string kind = "commune", string startsAt = "2026-03-26T18:30", bool urgent = false,
        string? emailDomain = null, bool synthesisNote = true)
    {
        var s = new Scenario();
        var authority = await client.PostOkAsync("/api/authorities", new
        {
            name = "Commune de Saint-Clair-sur-Test", kind, population, siren = NextSiren(), departmentCode = "34",
        });
        s.AuthorityId = authority.Id();
        s.AssemblyId = (await client.PostOkAsync($"/api/authorities/{s.AuthorityId}/assemblies", new { name = "Conseil municipal", kind = "council" })).Id();
        var domain = emailDomain ?? $"{s.AuthorityId:N}.example.org";
        for (var i = 0; i < members; i++)
        {
            var email = $"elu{i:000}@{domain}";
            var member = await client.PostOkAsync($"/api/authorities/{s.AuthorityId}/members", new
            {
                firstName = $"Élu{i:000}", lastName = "Conseiller", email, mobile = $"+3361234{i:0000}",
            });
            s.MemberIds.Add(member.Id());
            s.MemberEmails.Add(email);
        }
        var seats = await client.PutAsJsonAsync($"/api/assemblies/{s.AssemblyId}/seats", s.MemberIds.Select(id => new { memberId = id, from = "2026-01-01" }));
        Xunit.Assert.True(seats.IsSuccessStatusCode, await seats.Content.ReadAsStringAsync());
        s.Session = await client.PostOkAsync($"/api/assemblies/{s.AssemblyId}/sessions", new
        {
            startsAt, place = "Salle du conseil, hôtel de ville", urgent, urgencyReason = urgent ? "Sinistre sur la voirie communale" : null,
            items = new[] { new { title = "Budget primitif 2026", rapporteur = (string?)"M. le Maire" }, new { title = "Subvention à l'école de musique", rapporteur = (string?)null } },
        });
        s.SessionId = s.Session.Id();
        if (synthesisNote && s.Session.GetProperty("rule").GetProperty("synthesisNoteRequired").GetBoolean())
        {
            await s.UploadAsync(client, "note-de-synthese.pdf", Pdf("Note explicative de synthèse"), kind: "synthesisNote");
        }
        return s;
    }

    /// <summary>A small but well-formed PDF, so uploads pass the signature check.</summary>
    public static byte[] Pdf(string text) => System.Text.Encoding.ASCII.GetBytes(
        $"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {new string(text.Where(char.IsAscii).ToArray())}\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    public async Task<JsonElement> UploadAsync(HttpClient client, string fileName, byte[] content, string? kind = null, Guid? itemId = null, Guid? replaces = null, int expectedStatus = 201)
    {
        using var form = new MultipartFormDataContent();
        if (kind is not null)
        {
            form.Add(new StringContent(kind), "kind");
        }
        if (itemId is not null)
        {
            form.Add(new StringContent(itemId.Value.ToString()), "itemId");
        }
        if (replaces is not null)
        {
            form.Add(new StringContent(replaces.Value.ToString()), "replaces");
        }
        form.Add(new ByteArrayContent(content), "file", fileName);
        var response = await client.PostAsync($"/api/sessions/{SessionId}/documents", form);
        var json = await response.ReadJsonAsync();
        Xunit.Assert.True((int)response.StatusCode == expectedStatus, $"upload {fileName} → {(int)response.StatusCode}: {json}");
        return json;
    }
}
