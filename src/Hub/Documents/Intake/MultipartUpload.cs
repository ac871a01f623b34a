using IntegrationHub.Api;
using IntegrationHub.Documents.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace IntegrationHub.Documents.Intake;

/// <summary>
/// A multipart/form-data upload read as it arrives: the <c>file</c> part is streamed into the store's staging area
/// (never into memory or an IFormFile buffer), the small text fields beside it are kept. Dispose it to drop the
/// staged bytes that were not committed.
/// </summary>
public sealed class MultipartUpload : IAsyncDisposable
{
    private const int MaxFieldLength = 1024;

    private MultipartUpload(StagedBlob? file, string? fileName, IReadOnlyDictionary<string, string> fields)
    {
        File = file;
        FileName = fileName;
        Fields = fields;
    }

    /// <summary>The staged <c>file</c> part, or null when the request had none.</summary>
    public StagedBlob? File { get; }

    /// <summary>The file name the client gave, unchecked.</summary>
    public string? FileName { get; }

    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>Reads the request; a problem (French) when it is not multipart or the file is over <paramref name="limitBytes"/>.</summary>
    public static async Task<(MultipartUpload? Upload, IResult? Problem)> ReadAsync(
        HttpRequest request, DocumentIntake intake, long limitBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(intake);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, Problems.Validation("file", "Envoyez le document en multipart/form-data, dans le champ « file »."));
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limitBytes + (1024 * 1024);
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        StagedBlob? staged = null;
        string? fileName = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition() && name == "file" && staged is null)
                {
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    staged = await intake.StageAsync(section.Body, limitBytes, cancellationToken);
                }
                else if (!disposition.IsFileDisposition())
                {
                    using var text = new StreamReader(section.Body);
                    var buffer = new char[MaxFieldLength];
                    var read = await text.ReadBlockAsync(buffer, cancellationToken);
                    fields[name] = new string(buffer, 0, read).Trim();
                }
            }
        }
        catch (DocumentTooLargeException ex)
        {
            if (staged is not null)
            {
                await staged.DisposeAsync();
            }
            return (null, DocumentIntake.TooLarge(ex));
        }
        catch
        {
            if (staged is not null)
            {
                await staged.DisposeAsync();
            }
            throw;
        }
        return (new MultipartUpload(staged, fileName, fields), null);
    }

    public async ValueTask DisposeAsync()
    {
        if (File is not null)
        {
            await File.DisposeAsync();
        }
    }
}
