using Xunit;

namespace IntegrationHub.Tests.Infrastructure;

/// <summary>Hangfire keeps process-wide static state: hosts are never started in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HubHostsGroup
{
    public const string Name = "hub hosts";
}
