namespace IntegrationHub.Plugins.Documents;

/// <summary>
/// The document source (a database, a service) cannot be reached or cannot answer now (connection refused, timeout, server restarting,
/// deadlock, file locked): transient, the hub may try again later. The message never contains the connection string.
/// </summary>
public sealed class DocumentSourceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DocumentSourceUnavailableException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, in French, without secrets.</param>
    public DocumentSourceUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, in French, without secrets.</param>
    /// <param name="innerException">The database provider's error.</param>
    public DocumentSourceUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The configured SQL is wrong for this database (syntax, unknown table or column, missing grant, columns that do not
/// follow the contract): permanent until the administrator corrects the setting that <see cref="Path"/> names.
/// </summary>
public sealed class DocumentSourceQueryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DocumentSourceQueryException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, in French, without secrets.</param>
    public DocumentSourceQueryException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, in French, without secrets.</param>
    /// <param name="innerException">The database provider's error.</param>
    public DocumentSourceQueryException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a setting.</summary>
    /// <param name="path">The setting's configuration path, for example <c>connectors:ged:settings:readQuery</c>.</param>
    /// <param name="message">What happened, in French, naming <paramref name="path"/>.</param>
    /// <param name="innerException">The database provider's error, if any.</param>
    public DocumentSourceQueryException(string path, string message, Exception? innerException)
        : base(message, innerException) => Path = path;

    /// <summary>The configuration path of the faulty query, for example <c>connectors:ged:settings:readQuery</c>.</summary>
    public string? Path { get; }
}
