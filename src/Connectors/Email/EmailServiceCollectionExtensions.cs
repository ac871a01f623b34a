using IntegrationHub.Connectors.Email;
using IntegrationHub.Plugins.Channels;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the email channel.</summary>
public static class EmailServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EmailChannel"/> as itself and as the keyed <see cref="IChannel"/> <c>"email"</c>, with
    /// its settings validated at startup. The hub binds <see cref="EmailOptions"/> from
    /// <see cref="EmailOptions.SectionName"/>; <paramref name="configure"/> runs after that binding.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional extra configuration of the settings.</param>
    /// <returns>The service collection.</returns>
    /// <remarks>Calling it again only adds <paramref name="configure"/>; the channel is registered once.</remarks>
    public static IServiceCollection AddEmailChannel(this IServiceCollection services, Action<EmailOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<EmailOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(descriptor => descriptor.ServiceType == typeof(EmailChannel)))
        {
            return services;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());
        services.AddSingleton(provider => new EmailChannel(
            provider.GetRequiredService<IOptions<EmailOptions>>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetService<ILogger<EmailChannel>>() ?? NullLogger<EmailChannel>.Instance));
        services.AddKeyedSingleton<IChannel>(EmailChannel.ChannelKind,
            (provider, _) => provider.GetRequiredService<EmailChannel>());
        return services;
    }
}
