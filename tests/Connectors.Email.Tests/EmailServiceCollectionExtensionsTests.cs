using IntegrationHub.Plugins.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Connectors.Email.Tests;

public sealed class EmailServiceCollectionExtensionsTests : IDisposable
{
    private readonly DirectoryInfo _pickup = Directory.CreateTempSubdirectory("email-di-");

    public void Dispose() => _pickup.Delete(recursive: true);

    [Fact]
    public void AddEmailChannel_Configured_ResolvesKeyedChannelAsTheSameSingleton()
    {
        var services = new ServiceCollection().AddEmailChannel(options =>
        {
            options.FromAddress = "convocations@mairie-exemple.fr";
            options.PickupDirectory = _pickup.FullName;
        });
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var keyed = provider.GetRequiredKeyedService<IChannel>("email");

        Assert.Same(provider.GetRequiredService<EmailChannel>(), keyed);
        Assert.Same(keyed, provider.GetRequiredKeyedService<IChannel>(EmailChannel.ChannelKind));
        Assert.Equal("email", keyed.Kind);
    }

    [Fact]
    public async Task AddEmailChannel_TimeProviderInContainer_IsTheChannelsClock()
    {
        var clock = ChannelFactory.Clock();
        clock.Advance(TimeSpan.FromDays(3));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddEmailChannel(options =>
            {
                options.FromAddress = "convocations@mairie-exemple.fr";
                options.PickupDirectory = _pickup.FullName;
            });
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredKeyedService<IChannel>("email").SendAsync(TestMessages.Convocation(), CancellationToken.None);

        using var written = await MimeKit.MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(_pickup.FullName)));
        Assert.Equal(clock.GetUtcNow(), written.Date);
    }

    [Fact]
    public void AddEmailChannel_MissingFromAddress_FailsAtStartupNamingThePath()
    {
        var services = new ServiceCollection().AddEmailChannel(options =>
        {
            options.Host = "smtp.mairie-exemple.fr";
            options.UserName = "secretariat";
            options.Password = "S3cr3t";
        });
        using var provider = services.BuildServiceProvider();

        // What the generic host runs at start because of ValidateOnStart.
        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Hub:Connectors:Email:FromAddress is required.", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEmailChannel_BoundFromHubSection_ReadsEverySetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Connectors:Email:Host"] = "smtp.mairie-exemple.fr",
            ["Hub:Connectors:Email:Port"] = "465",
            ["Hub:Connectors:Email:Security"] = "SslOnConnect",
            ["Hub:Connectors:Email:UserName"] = "secretariat",
            ["Hub:Connectors:Email:Password"] = "S3cr3t",
            ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-exemple.fr",
            ["Hub:Connectors:Email:FromName"] = "Mairie d'Exemple-sur-Loire",
            ["Hub:Connectors:Email:TimeoutSeconds"] = "12",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.SectionName));
        services.AddEmailChannel(options => options.TimeoutSeconds = 15);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<EmailOptions>>().Value;

        Assert.Equal("smtp.mairie-exemple.fr", options.Host);
        Assert.Equal(465, options.Port);
        Assert.Equal(SmtpSecurity.SslOnConnect, options.Security);
        Assert.Equal("secretariat", options.UserName);
        Assert.Equal("S3cr3t", options.Password);
        Assert.Equal("Mairie d'Exemple-sur-Loire", options.FromName);
        Assert.Equal(15, options.TimeoutSeconds);
    }

    [Fact]
    public void AddEmailChannel_CalledTwice_RegistersOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection()
            .AddEmailChannel(options => options.FromAddress = "convocations@mairie-exemple.fr")
            .AddEmailChannel(options => options.PickupDirectory = _pickup.FullName);
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(EmailChannel));
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IChannel) && Equals(descriptor.ServiceKey, "email"));
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IValidateOptions<EmailOptions>));
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(_pickup.FullName, provider.GetRequiredService<IOptions<EmailOptions>>().Value.PickupDirectory);
    }
}
