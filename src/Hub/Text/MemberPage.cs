namespace IntegrationHub.Text;

/// <summary>The frame of the pages members open from their personal links: plain HTML, readable on a phone, in French.</summary>
public static class MemberPage
{
    /// <summary>The whole page; French typography (non-breaking spaces) applied to the text once, here.</summary>
    public static string Layout(string title, string body) => French.Typography(
        $"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{Html.Encode(title)}</title>" +
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}.notice{background:#eef6ee;padding:.5rem 1rem;border-left:4px solid #2a7a2a}.warning{background:#fdf3e1;padding:.5rem 1rem;border-left:4px solid #a35f00}fieldset{margin:1rem 0}button{padding:.5rem 1rem}</style>" +
        $"</head><body><h1>{Html.Encode(title)}</h1>{body}</body></html>");

    /// <summary>A file size as people read it in French (« 340 Ko », « 2,4 Mo »).</summary>
    public static string SizeText(long bytes) => bytes < 1024 * 1024
        ? $"{Math.Max(1, bytes / 1024)}{French.Nbsp}Ko"
        : $"{bytes / (1024.0 * 1024.0):0.0}{French.Nbsp}Mo".Replace('.', ',');
}
