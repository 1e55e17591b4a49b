package io.strata.engine.blob;

import java.nio.ByteBuffer;
import reactor.core.publisher.Mono;

/**
 * Where a {@link BlobWriter} sends its buffered bytes: the rest of the file, in order.
 *
 * <p>Contract: {@link #append} takes {@code src}'s remaining bytes as the next bytes of the file; the returned
 * Mono completes once the sink no longer needs {@code src} (it has copied or written the bytes), after which
 * the caller may reuse the buffer. Calls are sequential: the next append is subscribed only after the previous
 * one completed.
 */
@FunctionalInterface
public interface BlobSink {
    Mono<Void> append(ByteBuffer src);
}
