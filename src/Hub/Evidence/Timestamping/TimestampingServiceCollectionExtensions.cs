namespace IntegrationHub.Evidence.Timestamping;

public static class TimestampingServiceCollectionExtensions
{
    /// <summary>
    /// The built-in TSA (created under <c>{dataDirectory}/timestamping/</c> when the hub starts) and the
    /// <see cref="ITimestampAuthorityResolver"/> the evidence ledger asks for each authority's TSA.
    /// </summary>
    public static IServiceCollection AddTimestamping(this IServiceCollection services, string dataDirectory)
    {
        services.AddSingleton(sp => BuiltInTimestampAuthority.Open(
            dataDirectory, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BuiltInTimestampAuthority>>()));
        services.AddSingleton<ITimestampAuthorityResolver, TimestampAuthorityResolver>();
        services.AddHostedService<BuiltInTimestampAuthorityStartup>();
        return services;
    }

    /// <summary>Creates (or checks) the built-in TSA at start-up, so a broken data directory stops the hub before it stamps anything.</summary>
    private sealed class BuiltInTimestampAuthorityStartup(BuiltInTimestampAuthority authority, ILogger<BuiltInTimestampAuthority> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation(
                "Built-in time-stamping authority ready in {Directory} (not qualified), root {Thumbprint}", authority.Directory, authority.Root.Thumbprint);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
