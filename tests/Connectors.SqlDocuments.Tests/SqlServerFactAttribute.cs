namespace IntegrationHub.Connectors.SqlDocuments.Tests;

/// <summary>
/// SQL Server cannot run on the project's machines (no TDS server, no container engine): these tests run only when
/// <c>HUB_TEST_SQLSERVER</c> holds a connection string, and are reported as skipped otherwise — never passed.
/// </summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public const string Variable = "HUB_TEST_SQLSERVER";

    public SqlServerFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"SQL Server is not available here: set {Variable} to a connection string to run this test.";
        }
    }
}
