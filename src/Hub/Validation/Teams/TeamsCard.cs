using System.Text.Json.Nodes;

namespace IntegrationHub.Validation.Teams;

/// <summary>
/// The body a Teams Workflows webhook takes (INTEGRATIONS.md §2.2): a <c>message</c> with one Adaptive Card v1.4
/// attachment, the card as a JSON object (not a string, unlike Graph's chatMessage). Built by hand: the AdaptiveCards
/// package is not obtainable, and the schema needed here is a few fields. Buttons are <c>Action.OpenUrl</c> only —
/// <c>Action.Submit</c>/<c>Action.Execute</c> need a bot to receive them, and a card posted by a flow has none.
/// </summary>
public static class TeamsCard
{
    public const string AttachmentContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>The card of one notice; <paramref name="links"/> makes the signed links of an open step.</summary>
    public static JsonObject Message(ValidationNotice notice, Func<Guid, LinkedDecision, Uri> links)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(links);
        var step = notice.Step;
        var body = new JsonArray
        {
            Text(ValidationTexts.Heading(notice), weight: "Bolder", size: "Medium"),
            Text(step.Title, weight: "Bolder"),
        };
        if (notice.Decision is { } decision)
        {
            body.Add(Text(ValidationTexts.Decision(decision), color: decision.Decision == "reject" ? "Attention" : "Good"));
        }
        if (notice.Kind == ValidationNoticeKinds.CircuitFinished)
        {
            body.Add(Text(ValidationTexts.CircuitOutcome(step)));
        }
        var facts = new JsonArray { Fact("Étape", ValidationTexts.StepLabel(step)), Fact("Version du dossier", step.DossierVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        if (ValidationTexts.IsOpen(step))
        {
            facts.Add(Fact("En attente de", string.Join(", ", step.PendingApprovers)));
            facts.Add(Fact("Règle", ValidationTexts.Rule(step)));
        }
        if (ValidationTexts.Deadline(step) is { } deadline && notice.Kind != ValidationNoticeKinds.CircuitFinished)
        {
            facts.Add(Fact("Échéance", deadline));
        }
        body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });

        var actions = new JsonArray();
        if (ValidationTexts.IsOpen(step) && notice.Kind != ValidationNoticeKinds.CircuitFinished)
        {
            actions.Add(OpenUrl("Valider", links(step.StepId, LinkedDecision.Approve), "positive"));
            actions.Add(OpenUrl("Refuser", links(step.StepId, LinkedDecision.Reject), "destructive"));
        }
        actions.Add(OpenUrl("Voir le dossier", links(step.StepId, LinkedDecision.View), style: null));

        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["lang"] = "fr",
            ["body"] = body,
            ["actions"] = actions,
        };
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = AttachmentContentType, ["contentUrl"] = null, ["content"] = card },
            },
        };
    }

    private static JsonObject Text(string text, string? weight = null, string? size = null, string? color = null)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (weight is not null)
        {
            block["weight"] = weight;
        }
        if (size is not null)
        {
            block["size"] = size;
        }
        if (color is not null)
        {
            block["color"] = color;
        }
        return block;
    }

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    private static JsonObject OpenUrl(string title, Uri url, string? style)
    {
        var action = new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = url.AbsoluteUri };
        if (style is not null)
        {
            action["style"] = style;
        }
        return action;
    }
}
