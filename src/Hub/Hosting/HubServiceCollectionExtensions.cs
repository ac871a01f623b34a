using System.Text.Json;
using System.Text.Json.Serialization;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Connectors.Email;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence.Bundle;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Legal;
using IntegrationHub.Mailboxes;
using IntegrationHub.Members;
using IntegrationHub.Persistence;
using IntegrationHub.PluginHost;
using IntegrationHub.Security;
using IntegrationHub.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Hosting;

public static class HubServiceCollectionExtensions
{
    public static WebApplicationBuilder AddHub(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var hub = configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions();
        var dataDirectory = HubPaths.DataDirectory(hub);

        services.AddOptions<HubOptions>().Bind(configuration.GetSection(HubOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.TryAddTimeProvider();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            Api.Problems.DescribeUnhandled(c.Exception, c.ProblemDetails);
            Api.Problems.ApplyFrenchTypography(c.ProblemDetails);
        });
        services.AddOpenApi();

        AddPersistence(services, configuration, hub, dataDirectory);
        AddJobs(services, configuration, hub);

        services.AddDataProtection()
            .SetApplicationName("IntegrationHub")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(HubPolicies.Read, p => p.RequireRole(HubRoles.Admin, HubRoles.Secretariat, HubRoles.Auditor))
            .AddPolicy(HubPolicies.Write, p => p.RequireRole(HubRoles.Admin, HubRoles.Secretariat))
            .AddPolicy(HubPolicies.Admin, p => p.RequireRole(HubRoles.Admin));

        services.AddSingleton(sp => new ConvocationRuleCatalog(sp.GetRequiredService<IOptions<LegalOptions>>().Value));
        services.AddOptions<LegalOptions>().Bind(configuration.GetSection("Hub:Legal"));

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<BootstrapApiKey>();
        services.AddSingleton<AuthorityStore>();
        services.AddSingleton<AssemblyStore>();
        services.AddSingleton<SeatStore>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ConvocationStore>();
        services.AddSingleton<AnswerStore>();
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<AnswerService>();
        services.AddSingleton<QuorumService>();
        services.AddSingleton<MemberLinks>();
        services.AddSingleton<LinkSigningKey>();
        // Hosted services start in registration order: the schema (and the keys) before anything that reads the database.
        services.AddHostedService<StartupTasks>();
        services.AddSingleton<DispatchService>();
        services.AddSingleton<DeliveryContentLoader>();
        services.AddSingleton<EvidenceLedger>();
        // A factory, so a build without a time-stamping authority (its feature is registered separately) still
        // starts: the provider's validation would reject the missing ITimestampAuthorityResolver; anchoring is then off.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<LedgerAnchoring>(sp));
        services.AddHostedService<LedgerAnchorSchedule>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EvidenceBundleWriter>(sp));
        services.AddTransient<DeliveryJob>();
        services.AddSingleton<Calendars.CalendarPublishers>();
        services.AddTransient<Calendars.CalendarPublishJob>();
        services.AddTransient<Calendars.CalendarAnswerSync>();
        services.AddTransient<Calendars.CalendarSubscriptions>();
        services.AddTransient<Calendars.CalendarAttendeeReconciler>();
        services.AddHostedService<Calendars.CalendarAnswerSchedule>();
        // Validation circuits. Notifiers (IValidationNotifier: Teams, email…) are registered by their own features, as
        // singletons; with none registered, circuits still work and queue no notice.
        services.AddSingleton<Validation.ValidationStore>();
        services.AddSingleton<Validation.ValidationService>();
        services.AddTransient<Validation.ValidationNoticeJob>();
        services.AddTransient<Validation.ValidationDeadlineJob>();
        services.AddHostedService<Validation.ValidationSchedule>();

        services.AddEmailChannel(options =>
        {
            configuration.GetSection(EmailOptions.SectionName).Bind(options);
            options.PickupDirectory ??= Path.Combine(dataDirectory, "outbox");
            options.FromAddress ??= "convocations@hub.localhost";
        });
        services.AddSingleton(sp =>
        {
            var email = sp.GetRequiredService<IOptions<EmailOptions>>().Value;
            return new ConvocationComposer(email.FromAddress!, email.FromName, sp.GetRequiredService<MemberLinks>());
        });

        // Built-in connectors are plugins like any other: found by their IHubPlugin entry points.
        services.AddHubPlugins(configuration, [typeof(EmailChannel).Assembly, typeof(Connectors.Twilio.TwilioSignature).Assembly, typeof(Connectors.SqlDocuments.SqlDocumentsPlugin).Assembly, typeof(Connectors.Timestamping.TimestampingPlugin).Assembly, typeof(Connectors.Microsoft365.Microsoft365Plugin).Assembly]);
        services.AddSingleton<Documents.SessionDocumentStore>();
        services.AddSingleton<Mailings.MailingStore>();
        services.AddSingleton<Mailings.MailingDispatch>();
        services.AddTransient<Documents.DossierBuilder>();
        services.AddSingleton<Documents.Intake.DocumentIntake>();
        services.AddSingleton<Documents.SessionDocumentAttacher>();
        services.AddSingleton<Documents.Sources.DocumentSources>();
        services.AddSingleton<Documents.Storage.IDocumentStore>(new Documents.Storage.FileSystemDocumentStore(Path.Combine(dataDirectory, "documents")));
        services.AddSingleton<Documents.Validation.IVirusScanner>(sp => string.IsNullOrWhiteSpace(hub.Documents.ClamdHost)
            ? new Documents.Validation.NoVirusScanner()
            : new Documents.Validation.ClamdScanner(
                new Documents.Validation.ClamdOptions { Host = hub.Documents.ClamdHost, Port = hub.Documents.ClamdPort }, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ConnectorStore>();
        services.AddSingleton<SecretSettingsUpgrade>();
        services.AddSingleton<ConnectorSecrets>();
        services.AddSingleton<ChannelResolver>();
        services.AddTimestamping(dataDirectory);
        services.AddSingleton<ReplyMailboxPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyMailboxPoller>());
        services.AddHttpClient();
        Validation.ValidationSurfaces.AddValidationSurfaces(services);

        services.AddHostedService<DeliverySweeper>();
        services.AddHealthChecks()
            .AddCheck<ReadinessCheck>("ready")
            // Degraded, not Unhealthy: a failing connector or plugin is reported, the hub itself still serves.
            .AddCheck<ConnectorHealthCheck>("connectors", failureStatus: HealthStatus.Degraded)
            .AddPluginHealthCheck();
        services.AddSingleton<ReadinessCheck>();
        return builder;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static void AddPersistence(IServiceCollection services, IConfiguration configuration, HubOptions hub, string dataDirectory)
    {
        var provider = DatabaseProviderNames.Parse(hub.Database.Provider);
        var connectionString = configuration.GetConnectionString("Hub");
        if (provider == DatabaseProvider.Sqlite)
        {
            connectionString ??= $"Data Source={Path.Combine(dataDirectory, "hub.db")};Default Timeout=30;Pooling=True";
        }
        else if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:Hub is required when Hub:Database:Provider is '{hub.Database.Provider}'.");
        }
        // A factory, so the container disposes it (and its PostgreSQL data source with its pooled connections) at shutdown.
        if (hub.Database.SqliteMaxSizeMegabytes is <= 0)
        {
            throw new InvalidOperationException("Hub:Database:SqliteMaxSizeMegabytes must be a positive number of megabytes, or absent for no ceiling.");
        }
        var sqliteMaxBytes = hub.Database.SqliteMaxSizeMegabytes is { } megabytes && provider == DatabaseProvider.Sqlite
            ? (long)(megabytes * 1024 * 1024)
            : (long?)null;
        services.AddSingleton(_ => new HubDatabase(provider, connectionString!, sqliteMaxBytes));
        services.AddSingleton<SchemaMigrator>();
    }

    /// <summary>
    /// Hangfire executes, the database is the source of truth: the embedded default keeps jobs in memory (the outbox
    /// rows are re-enqueued at start-up), production shares the hub's PostgreSQL or SQL Server database.
    /// </summary>
    private static void AddJobs(IServiceCollection services, IConfiguration configuration, HubOptions hub)
    {
        var provider = DatabaseProviderNames.Parse(hub.Database.Provider);
        var poll = hub.Dispatch.PollInterval;
        var connectionString = configuration.GetConnectionString("Hub");
        // Built on first use, after this host's Hangfire configuration has set its log provider: Hangfire keeps that
        // provider in static state, and a storage built earlier would log through a previous host's disposed factory.
        // Registered before AddHangfire, whose own JobStorage registration is a TryAdd.
        services.AddSingleton<JobStorage>(sp =>
        {
            sp.GetRequiredService<IGlobalConfiguration>();
            return provider switch
            {
                DatabaseProvider.PostgreSql => new PostgreSqlStorage(
                    new NpgsqlConnectionFactory(connectionString!, new PostgreSqlStorageOptions()),
                    new PostgreSqlStorageOptions
                    {
                        SchemaName = "hangfire",
                        QueuePollInterval = poll,
                        // Without the sliding timeout a job held by a killed node waits 30 min (INTEGRATIONS.md §4).
                        UseSlidingInvisibilityTimeout = true,
                        InvisibilityTimeout = TimeSpan.FromMinutes(5),
                        PrepareSchemaIfNecessary = true,
                    }),
                DatabaseProvider.SqlServer => new SqlServerStorage(connectionString, new SqlServerStorageOptions
                {
                    SchemaName = "hangfire",
                    QueuePollInterval = TimeSpan.Zero,
                    SlidingInvisibilityTimeout = TimeSpan.FromMinutes(5),
                    PrepareSchemaIfNecessary = true,
                }),
                _ => new InMemoryStorage(),
            };
        });
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, options) =>
        {
            options.WorkerCount = hub.Dispatch.EffectiveWorkerCount;
            options.SchedulePollingInterval = poll;
            options.ShutdownTimeout = TimeSpan.FromSeconds(45);
            options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        });
    }
}
