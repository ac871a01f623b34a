using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace IntegrationHub.Text;

/// <summary>HTML encoding that leaves French letters readable (<c>é</c>, not <c>&amp;#233;</c>) while escaping markup.</summary>
public static class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Encode(string value) => Encoder.Encode(value);
}
