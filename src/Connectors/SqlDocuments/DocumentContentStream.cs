using System.Data;
using System.Data.Common;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>
/// A document's content read from the database as the caller reads it. It owns the reader, its command and the
/// connection, and disposes them with itself: the row and the connection stay held until the caller disposes it.
/// Disposing it before the end lets the provider skip the rest of the row, which it does by reading it off the wire.
/// </summary>
internal sealed class DocumentContentStream : Stream
{
    private readonly Stream _content;
    private readonly DbDataReader _reader;
    private readonly IDbCommand? _command;
    private readonly DbConnection? _connection;
    private readonly Func<Exception, CancellationToken, Exception?> _mapError;
    private long _position;
    private bool _disposed;

    /// <param name="content">The provider's stream over the content column.</param>
    /// <param name="reader">The reader positioned on the row.</param>
    /// <param name="command">The reader's command (Dapper's wrapped reader does not dispose it asynchronously).</param>
    /// <param name="connection">The connection, or <see langword="null"/> when the caller keeps it (the connection check).</param>
    /// <param name="mapError">Maps a provider error raised while reading.</param>
    public DocumentContentStream(
        Stream content, DbDataReader reader, IDbCommand? command, DbConnection? connection, Func<Exception, CancellationToken, Exception?> mapError)
    {
        _content = content;
        _reader = reader;
        _command = command;
        _connection = connection;
        _mapError = mapError;
    }

    /// <summary>The provider's stream type, for the SQLite streaming check and for diagnosis.</summary>
    public Type ContentType => _content.GetType();

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("La longueur d'un document lu en continu n'est pas connue d'avance.");

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Un document lu en continu ne se relit pas.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            var read = _content.Read(buffer);
            _position += read;
            return read;
        }
        catch (Exception e) when (_mapError(e, CancellationToken.None) is { } mapped)
        {
            throw mapped;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            var read = await _content.ReadAsync(buffer, cancellationToken);
            _position += read;
            return read;
        }
        catch (Exception e) when (_mapError(e, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Un document lu en continu ne se relit pas.");

    public override void SetLength(long value) => throw new NotSupportedException("Un document de la gestion documentaire se lit seulement.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Un document de la gestion documentaire se lit seulement.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                _content.Dispose();
            }
            finally
            {
                try
                {
                    _reader.Dispose();
                }
                finally
                {
                    try
                    {
                        _command?.Dispose();
                    }
                    finally
                    {
                        _connection?.Dispose();
                    }
                }
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            try
            {
                await _content.DisposeAsync();
            }
            finally
            {
                try
                {
                    await _reader.DisposeAsync();
                }
                finally
                {
                    try
                    {
                        _command?.Dispose();
                    }
                    finally
                    {
                        if (_connection is not null)
                        {
                            await _connection.DisposeAsync();
                        }
                    }
                }
            }
        }

        await base.DisposeAsync();
    }
}
