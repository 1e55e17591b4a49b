package io.strata.engine.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Blobs written through the io module's DirectFileWriter to a real file, read back at the returned offsets. */
class BlobFileEndToEndTest {
    static final int PAGE = 8192;

    @TempDir
    Path dir;

    @Test
    void writeThroughDirectFileWriterAndDecodeEveryBlob() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            switch (i % 4) {
                case 0 -> payloads.add(BlobWriterTest.compressiblePage());
                case 1 -> payloads.add(BlobWriterTest.incompressible(PAGE, i));
                case 2 -> payloads.add(BlobWriterTest.incompressible(rnd.nextInt(128), i));
                default -> payloads.add(BlobWriterTest.incompressible(128 + rnd.nextInt(2000), i));
            }
        }
        Path path = dir.resolve("blobs");
        List<Long> offsets = new ArrayList<>();
        AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 8, 4096);
        try (IoEngine engine = IoEngines.create(IoConfig.defaults())) {
            DirectFileWriter.Options options = DirectFileWriter.Options.defaults().withReservedPrefix(PAGE);
            Mono<Path> written = Mono.usingWhen(DirectFileWriter.create(engine, pool, path, options),
                    file -> Mono.using(() -> BlobWriter.forFile(file, ImageCompressionAlgorithm.DEFAULT),
                            w -> Flux.fromIterable(payloads)
                                    .concatMap(p -> {
                                        offsets.add(w.writeBlob(p));
                                        return w.flushIfNeeded();
                                    })
                                    .then(Mono.defer(w::flush))
                                    .then(Mono.defer(() -> {
                                        assertEquals(file.position(), w.size());
                                        return file.finish(ByteBuffer.allocate(PAGE));
                                    })),
                            BlobWriter::close),
                    file -> Mono.empty(),
                    (file, e) -> file.abort(),
                    DirectFileWriter::abort);
            assertEquals(path, written.block(Duration.ofSeconds(30)));
        }
        byte[] file = Files.readAllBytes(path);
        assertEquals(PAGE, offsets.get(0));
        UnsafeBuffer window = new UnsafeBuffer(file);
        int compressed = 0;
        try (BlobReader reader = new BlobReader()) {
            for (int i = 0; i < payloads.size(); i++) {
                assertArrayEquals(payloads.get(i), reader.readBytes(window, 0, offsets.get(i)), "blob " + i);
                BlobHeader h = BlobReader.header(window, 0, offsets.get(i));
                if (i + 1 < payloads.size()) {
                    assertEquals(offsets.get(i + 1), offsets.get(i) + h.totalLen(), "blobs are back to back");
                }
                if (h.compression() == BlobCompression.ZSTD) {
                    compressed++;
                }
            }
        }
        assertEquals(75, compressed, "exactly the compressible pages are stored compressed");
        long end = offsets.get(offsets.size() - 1)
                + BlobReader.header(window, 0, offsets.get(offsets.size() - 1)).totalLen();
        assertEquals(end, file.length);
        assertTrue(end > 2 * 64 * 1024, "crossed several buffer flushes");
    }
}
