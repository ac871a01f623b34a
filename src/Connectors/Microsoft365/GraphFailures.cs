using System.Globalization;
using IntegrationHub.Plugins.Channels;
using Microsoft.Graph.Models.ODataErrors;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>Maps Graph SDK failures to the channel contract's permanent and transient failures.</summary>
internal static class GraphFailures
{
    public static bool IsUnreachable(Exception e) => e is HttpRequestException or IOException or TaskCanceledException or TimeoutException;

    /// <summary>The contract's exception for <paramref name="e"/>, or <see langword="null"/> when it is not a provider failure.</summary>
    public static Exception? Classify(Exception e, string operation) => e switch
    {
        ODataError { ResponseStatusCode: 429 or 503 or 504 or >= 500 } odata => new TransientDeliveryException(
            Describe(operation, odata), odata) { RetryAfter = RetryAfter(odata) },
        ODataError { ResponseStatusCode: 401 or 403 } odata => new PermanentDeliveryException(
            $"{Describe(operation, odata)} The application's credentials or permissions were refused.", odata),
        ODataError odata => new PermanentDeliveryException(Describe(operation, odata), odata),
        // The retry handler gave up after its retries (429/503/504 every time): try later.
        AggregateException aggregate when aggregate.Message.Contains("retries", StringComparison.OrdinalIgnoreCase) =>
            new TransientDeliveryException($"Graph {operation}: throttled or unavailable after the SDK's retries.", aggregate),
        Azure.Identity.AuthenticationFailedException auth =>
            new PermanentDeliveryException($"Graph {operation}: Entra ID refused the application's credentials.", auth),
        _ when IsUnreachable(e) => new TransientDeliveryException($"Graph {operation}: {e.Message}", e),
        _ => null,
    };

    private static string Describe(string operation, ODataError e) =>
        string.Create(CultureInfo.InvariantCulture, $"Graph {operation} failed with {e.ResponseStatusCode} {e.Error?.Code}: {e.Error?.Message}");

    private static TimeSpan? RetryAfter(ODataError e)
    {
        if (e.ResponseHeaders is null || !e.ResponseHeaders.TryGetValue("Retry-After", out var values))
        {
            return null;
        }

        return values.FirstOrDefault() is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}
