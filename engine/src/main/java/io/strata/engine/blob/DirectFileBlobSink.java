package io.strata.engine.blob;

import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A {@link BlobSink} over the io module's crash-safe {@link DirectFileWriter}, whose {@code append} copies the
 * bytes into its aligned buffers before completing, as the sink contract requires.
 */
public record DirectFileBlobSink(DirectFileWriter writer) implements BlobSink {
    public DirectFileBlobSink {
        Objects.requireNonNull(writer, "writer");
    }

    @Override
    public Mono<Void> append(ByteBuffer src) {
        return writer.append(src);
    }
}
