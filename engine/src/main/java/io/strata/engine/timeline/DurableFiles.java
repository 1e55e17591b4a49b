package io.strata.engine.timeline;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import io.strata.io.write.DirectFileWriter;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Small whole files (the timeline index, the tenant's generation) written atomically and read back, through the io
 * engine (O_DIRECT, non-blocking).
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /**
     * Replaces {@code path} with {@code bytes} atomically: writes {@code <name>.<n>.___temp}, fsyncs it, renames it
     * over {@code path} and fsyncs the directory ({@link DirectFileWriter}). A crash at any point leaves either the
     * old file or the new one under the name, plus perhaps a {@code ___temp} file that restart removes.
     */
    public static Mono<Void> writeAtomically(IoEngine engine, AlignedBufferPool pool, Path path, byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        DirectFileWriter.Options options = DirectFileWriter.Options.defaults().withMaxInFlight(1)
                .withPreallocateStep(0);
        return DirectFileWriter.write(engine, pool, path, options, Flux.just(ByteBuffer.wrap(bytes)), w -> null)
                .then();
    }

    /** The whole of {@code path}, read in buffer-sized O_DIRECT reads. */
    public static Mono<byte[]> readAll(IoEngine engine, AlignedBufferPool pool, Path path) {
        return Mono.usingWhen(engine.open(path, OpenMode.READ),
                f -> f.size().flatMap(size -> readFrom(f, pool, size)),
                DirectFile::close,
                (f, e) -> f.close(),
                DirectFile::close);
    }

    private static Mono<byte[]> readFrom(DirectFile f, AlignedBufferPool pool, long size) {
        if (size > Integer.MAX_VALUE - 16) {
            return Mono.error(new IllegalArgumentException(f.path() + " is too large to read whole: " + size
                    + " bytes"));
        }
        int chunk = pool.bufferSize();
        int chunks = (int) ((size + chunk - 1) / chunk);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        return Flux.range(0, chunks)
                .concatMap(i -> pool.lease().flatMap(buf -> read(f, buf, (long) i * chunk, chunk, size, out)), 0)
                .then(Mono.fromSupplier(out::toByteArray));
    }

    private static Mono<Void> read(DirectFile f, AlignedBuffer buf, long offset, int chunk, long size,
                                   ByteArrayOutputStream out) {
        boolean[] released = {false};
        return f.read(offset, buf, chunk)
                .flatMap(n -> {
                    int want = (int) Math.min(chunk, size - offset);
                    try {
                        if (n < want) {
                            return Mono.<Void>error(new EOFException(f.path() + " ended at " + (offset + n)
                                    + " while reading " + size + " bytes"));
                        }
                        byte[] b = new byte[want];
                        buf.view().getBytes(0, b);
                        out.write(b, 0, want);
                        return Mono.<Void>empty();
                    } finally {
                        released[0] = true;
                        buf.release();
                    }
                })
                .onErrorResume(e -> { // a failed read gives the buffer back to us (DirectFile's rule)
                    if (!released[0]) {
                        released[0] = true;
                        buf.release();
                    }
                    return Mono.error(e);
                });
    }
}
