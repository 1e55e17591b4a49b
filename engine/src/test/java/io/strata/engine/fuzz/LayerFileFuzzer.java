package io.strata.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.IteratorOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import reactor.core.publisher.Mono;

/**
 * What the two layer file fuzz targets share: a real io engine, pools and block cache over a temporary directory
 * (one per fuzzing JVM), a valid layer file written once, and the step that turns a fuzz input into a damaged copy
 * of it: a few byte overwrites aimed at the summary, at blob headers, anywhere in the values or in the B-tree
 * nodes, and sometimes a truncation. Aiming matters: random bytes anywhere rarely hit the 4 bytes of a header.
 */
final class LayerFileFuzzer implements AutoCloseable {
    /** A read or a scan that takes longer than this on a small file hangs: a finding. */
    static final Duration HANG = Duration.ofSeconds(10);

    final LayerTestSupport io;
    final Path damaged;
    private final Path dir;
    private byte[] pristine;
    private long[] blobOffsets;
    private long indexStart;

    LayerFileFuzzer(String prefix) {
        try {
            dir = Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        io = new LayerTestSupport(dir);
        damaged = dir.resolve("damaged-layer");
    }

    /** Sets the layer every input damages: its bytes, where its blobs start and where its index starts. */
    void pristine(Path layer, long[] blobOffsets, long indexStartBlk) throws IOException {
        this.pristine = Files.readAllBytes(layer);
        this.blobOffsets = blobOffsets.clone();
        this.indexStart = indexStartBlk * LayerFormat.PAGE_SZ;
        if (blobOffsets.length == 0 || indexStart <= LayerFormat.PAGE_SZ || indexStart >= pristine.length) {
            throw new IllegalStateException("layer " + layer + " is not a useful fuzzing base");
        }
    }

    /** Writes the pristine layer with the edits {@code data} asks for to {@link #damaged}; returns what it did. */
    String damage(FuzzedDataProvider data) throws IOException {
        byte[] file = pristine.clone();
        StringBuilder what = new StringBuilder();
        int edits = data.consumeInt(1, 4);
        for (int i = 0; i < edits; i++) {
            int off = switch (data.consumeInt(0, 4)) {
                case 0 -> data.consumeInt(0, 99); // the summary's fields (88 or 96 bytes)
                case 1 -> (int) blobOffsets[data.consumeInt(0, blobOffsets.length - 1)] + data.consumeInt(0, 4);
                case 2 -> data.consumeInt(LayerFormat.PAGE_SZ, (int) indexStart - 1);
                case 3 -> data.consumeInt((int) indexStart, file.length - 1);
                default -> data.consumeInt(0, file.length - 1);
            };
            byte[] bytes = data.consumeBytes(data.consumeInt(1, 8));
            int n = Math.min(bytes.length, file.length - off);
            System.arraycopy(bytes, 0, file, off, n);
            what.append("overwrite ").append(n).append(" at ").append(off).append("; ");
        }
        int length = file.length;
        if (data.consumeInt(0, 7) == 0) {
            length = data.consumeInt(0, file.length);
            what.append("truncate to ").append(length).append("; ");
        }
        Files.write(damaged, length == file.length ? file : java.util.Arrays.copyOf(file, length));
        return what.toString();
    }

    /** A planner setting from {@code data}: tiny reads and batches split the plan in every possible place. */
    static IteratorOptions options(FuzzedDataProvider data) {
        long[] sizes = {512, 8192, 65536, 8L << 20};
        int[] counts = {1, 7, 1024};
        return new IteratorOptions(data.pickValue(sizes), data.pickValue(counts));
    }

    /** Blocks for {@code mono}, turning a timeout into a finding that says it is a hang. */
    static <T> T await(Mono<T> mono, String what) {
        try {
            return mono.block(HANG);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Timeout on blocking read")) {
                throw new AssertionError("hang: " + what + " did not finish within " + HANG, e);
            }
            throw e;
        }
    }

    /** Every buffer must be back in its pool after a read, failed or not. */
    void assertNoLeaks(String input) throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (io.readPool.available() < io.readPool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(1); // not a spin: on two cores the event loop that releases the buffer needs one
        }
        if (io.readPool.available() < io.readPool.capacity()) {
            throw new AssertionError("read buffers leaked after input " + input + ": "
                    + (io.readPool.capacity() - io.readPool.available()) + " not returned");
        }
    }

    @Override
    public void close() throws IOException {
        io.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static long[] toArray(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
