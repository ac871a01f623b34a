using Microsoft.Extensions.Options;

namespace IntegrationHub.Legal;

/// <summary>Rejects an inconsistent rule table at startup, naming the configuration path and the bad value.</summary>
public sealed class LegalOptionsValidator : IValidateOptions<LegalOptions>
{
    public ValidateOptionsResult Validate(string? name, LegalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = ConvocationRuleCatalog.Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
