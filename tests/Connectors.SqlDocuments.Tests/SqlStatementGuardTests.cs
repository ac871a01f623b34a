namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlStatementGuardTests
{
    [Theory]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre LIKE '%' + @query + '%'")]
    [InlineData("select doc_id as id from ged where titre like @query")]
    [InlineData("  -- recherche GED\n  /* v2 */ SELECT doc_id AS id FROM ged WHERE titre = @query")]
    [InlineData("WITH recents AS (SELECT * FROM ged WHERE maj > now() - interval '1 year') SELECT doc_id AS id FROM recents WHERE titre ILIKE @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = @query;")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = @query;  -- fin\n")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre <> 'a;b' AND titre = @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre <> 'DELETE FROM ged' AND titre = @query")]
    [InlineData("SELECT \"update\" AS id, [insert] AS name FROM ged WHERE titre = @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = E'l\\'ordre du jour' OR titre = @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = $$;DROP$$ OR titre = @query")]
    [InlineData("SELECT doc_id AS id FROM ged /* a /* nested */ comment; */ WHERE titre = @query")]
    [InlineData("SELECT doc_id AS id, date_created AS modified_at FROM ged WHERE titre = @query AND deleted = 0")]
    public void Check_OneSelectUsingTheParameter_Passes(string sql)
    {
        Assert.Null(SqlStatementGuard.Check("searchQuery", sql, "query"));
    }

    [Theory]
    [InlineData("SELECT 1 WHERE @query = ''; SELECT 2", "plusieurs instructions")]
    [InlineData("SELECT 1 WHERE @query = '';\nDROP TABLE ged", "plusieurs instructions")]
    [InlineData("UPDATE ged SET titre = @query", "commençant par SELECT ou WITH (reçu : « UPDATE »)")]
    [InlineData("(SELECT doc_id AS id FROM ged WHERE titre = @query)", "commençant par SELECT ou WITH (reçu : « (SELECT »)")]
    [InlineData("", "commençant par SELECT ou WITH (reçu : « rien »)")]
    [InlineData("-- SELECT @query", "commençant par SELECT ou WITH (reçu : « rien »)")]
    [InlineData("WITH d AS (DELETE FROM ged RETURNING *) SELECT * FROM d WHERE titre = @query", "ne doit pas contenir « DELETE »")]
    [InlineData("SELECT * INTO copie FROM ged WHERE titre = @query", "ne doit pas contenir « INTO »")]
    [InlineData("SELECT * FROM ged WHERE titre = @query FOR UPDATE", "ne doit pas contenir « UPDATE »")]
    [InlineData("SELECT * FROM OPENROWSET(BULK 'c:\\secret.txt', SINGLE_BLOB) AS x WHERE @query = ''", "ne doit pas contenir « BULK »")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = @queryText", "doit utiliser le paramètre @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = '@query'", "doit utiliser le paramètre @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = @QUERY", "doit utiliser le paramètre @query")]
    [InlineData("SELECT doc_id AS id FROM ged WHERE titre = 'non fermée AND x = @query", "n'est pas refermé")]
    [InlineData("SELECT doc_id AS id FROM ged /* WHERE titre = @query", "n'est pas refermé")]
    public void Check_AnythingElse_IsRefusedInFrench(string sql, string expected)
    {
        var problem = SqlStatementGuard.Check("searchQuery", sql, "query");

        Assert.NotNull(problem);
        Assert.StartsWith("searchQuery", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
