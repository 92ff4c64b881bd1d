using System.Runtime.CompilerServices;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Bounds what an MCP server may send in one HTTP response. The MCP SDK reads each response (JSON or an event stream)
/// itself, before the host sees the tool's answer; without a bound a server could make the host hold any amount of
/// data. Past <see cref="MaxBytes"/> the read fails, and the call with it.
/// </summary>
internal sealed class BoundedAnswerHandler : DelegatingHandler
{
    /// <summary>The answer limit of a step, with room for the protocol's envelope (JSON-RPC, event framing, escaping).</summary>
    public const int MaxBytes = 4 * SystemClient.MaxAnswerBytes;

    private static readonly AsyncLocal<StrongBox<bool>?> Exceeded = new();

    /// <summary>
    /// A flag the calls made from here on (in this async flow) set when an answer passes the limit: the MCP SDK may
    /// swallow the failed read and report only that no reply came, and the caller must still say why.
    /// </summary>
    public static StrongBox<bool> Watch() => Exceeded.Value = new StrongBox<bool>();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content.Headers.ContentLength > MaxBytes)
        {
            response.Dispose();
            Exceeded.Value?.Value = true;
            throw new AnswerTooLargeException(MaxBytes);
        }

        var bounded = new StreamContent(new BoundedStream(await response.Content.ReadAsStreamAsync(cancellationToken), MaxBytes));
        foreach (var header in response.Content.Headers)
        {
            bounded.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = bounded;
        return response;
    }

    /// <summary>A read-only stream that fails once more than its limit has been read.</summary>
    private sealed class BoundedStream(Stream inner, long limit) : Stream
    {
        private long read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int bytes)
        {
            read += bytes;
            if (read > limit)
            {
                Exceeded.Value?.Value = true;
                throw new AnswerTooLargeException(limit);
            }

            return bytes;
        }
    }
}

/// <summary>An answer longer than <see cref="BoundedAnswerHandler"/> allows; whatever wraps it, the call is refused.</summary>
internal sealed class AnswerTooLargeException(long limit) : IOException($"the answer is longer than {limit} bytes, the limit")
{
    /// <summary>True when <paramref name="error"/> or any exception inside it is one.</summary>
    public static bool IsIn(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is AnswerTooLargeException || (error is AggregateException all && all.InnerExceptions.Any(IsIn)))
            {
                return true;
            }
        }

        return false;
    }
}
