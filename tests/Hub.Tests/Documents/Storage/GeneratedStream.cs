namespace IntegrationHub.Tests.Documents.Storage;

/// <summary>
/// A read-only, non-seekable stream of <c>length</c> deterministic bytes made up on the fly, so a test can push
/// hundreds of megabytes through code without holding them; it counts what was read.
/// </summary>
internal sealed class GeneratedStream(long length, Action<long>? onRead = null) : Stream
{
    // A prime length, so the pattern does not line up with the reader's buffer.
    private static readonly byte[] Pattern = MakePattern(8191);

    private long _position;

    public long BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The same bytes, for computing the expected hash independently.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Blocks(long length)
    {
        for (long position = 0; position < length;)
        {
            var offset = (int)(position % Pattern.Length);
            var count = (int)Math.Min(Pattern.Length - offset, length - position);
            yield return Pattern.AsMemory(offset, count);
            position += count;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        var total = (int)Math.Min(buffer.Length, length - _position);
        for (var written = 0; written < total;)
        {
            var offset = (int)(_position % Pattern.Length);
            var count = Math.Min(Pattern.Length - offset, total - written);
            Pattern.AsSpan(offset, count).CopyTo(buffer[written..]);
            written += count;
            _position += count;
        }

        onRead?.Invoke(_position);
        return total;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] MakePattern(int length)
    {
        var bytes = new byte[length];
        new Random(20260323).NextBytes(bytes);
        return bytes;
    }
}
