package io.strata.engine.blob;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;

/** A {@link BlobSink} that copies every append into memory and records the append sizes. */
final class MemorySink implements BlobSink {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> appends = new ArrayList<>();

    @Override
    public Mono<Void> append(ByteBuffer src) {
        return Mono.fromRunnable(() -> {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            appends.add(b.length);
            bytes.writeBytes(b);
        });
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
