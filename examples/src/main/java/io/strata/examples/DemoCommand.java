package io.strata.examples;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoEngines;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadOp;
import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * Writes a file through the io engine (streaming writer: temp file, fsync, rename) and reads it back in random
 * batched reads, checking every block against the checksum computed while writing.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Write a file through Strata's io engine and read it back in batched random reads.")
final class DemoCommand implements Callable<Integer> {
    private static final int BLOCK = 8192;

    @Option(names = "--data", defaultValue = "strata-data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--size-mib", defaultValue = "64", description = "File size in MiB (default: ${DEFAULT-VALUE}).")
    int sizeMib;

    @Option(names = "--reads", defaultValue = "20000", description = "Random 8 KiB reads (default: ${DEFAULT-VALUE}).")
    int reads;

    @Option(names = "--batch", defaultValue = "64", description = "Reads per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--engine", defaultValue = "auto",
            description = "io engine: auto, uring or filechannel (default: ${DEFAULT-VALUE}).")
    String engineName;

    @Override
    public Integer call() throws Exception {
        if (sizeMib < 1 || reads < 1 || batch < 1) {
            throw new IllegalArgumentException("--size-mib, --reads and --batch must be positive");
        }
        Path dir = data.resolve("demo");
        Files.createDirectories(dir);
        IoConfig config = IoConfig.forDataDirectory(dir).withEngine(IoEngineKind.parse(engineName));
        try (IoEngine engine = IoEngines.create(config)) {
            System.out.printf("engine     %s%n", engine.describe());
            System.out.printf("data dir   %s%n", data.toAbsolutePath());
            Path file = dir.resolve("demo-" + sizeMib + "m.dat");
            int blocks = sizeMib * (1 << 20) / BLOCK;
            long[] crcs = new long[blocks];
            AlignedBufferPool writePool = new AlignedBufferPool(1 << 20, 8, config.alignment());

            long t0 = System.nanoTime();
            DirectFileWriter.write(engine, writePool, file, DirectFileWriter.Options.defaults(),
                    Flux.range(0, blocks).map(i -> block(i, crcs)), w -> null).block(Duration.ofMinutes(5));
            double writeSec = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wrote      %s: %d MiB in %.2f s (%.0f MiB/s), fsynced and renamed from ___temp%n",
                    file.getFileName(), sizeMib, writeSec, sizeMib / writeSec);

            AlignedBufferPool readPool = new AlignedBufferPool(BLOCK, batch * 4, config.alignment());
            AtomicLong verified = new AtomicLong();
            SplittableRandom rnd = new SplittableRandom(1);
            DirectFile f = engine.open(file, OpenMode.READ).block(Duration.ofSeconds(30));
            long t1 = System.nanoTime();
            try {
                int batches = (reads + batch - 1) / batch;
                Flux.range(0, batches)
                        .flatMap(bn -> {
                            int n = Math.min(batch, reads - bn * batch);
                            return Flux.range(0, n).concatMap(i -> readPool.lease()).collectList().flatMapMany(bufs -> {
                                List<ReadOp> ops = new ArrayList<>(n);
                                for (AlignedBuffer b : bufs) {
                                    ops.add(ReadOp.of((long) rnd.nextInt(blocks) * BLOCK, b, BLOCK));
                                }
                                return f.readBatch(ops);
                            });
                        }, 4)
                        .doOnNext(c -> {
                            try {
                                int blk = (int) (c.op().offset() / BLOCK);
                                CRC32C crc = new CRC32C();
                                ByteBuffer bytes = c.op().buffer().byteBuffer().duplicate().limit(c.bytesRead());
                                crc.update(bytes);
                                if (c.bytesRead() != BLOCK || crc.getValue() != crcs[blk]) {
                                    throw new IllegalStateException("block " + blk + " of " + file
                                            + " does not match what was written");
                                }
                                verified.incrementAndGet();
                            } finally {
                                c.op().buffer().release();
                            }
                        })
                        .then().block(Duration.ofMinutes(5));
            } finally {
                f.close().block(Duration.ofSeconds(30));
            }
            double readSec = (System.nanoTime() - t1) / 1e9;
            System.out.printf("read back  %d random 8 KiB blocks in batches of %d: %.0f reads/s, all checksums match%n",
                    verified.get(), batch, verified.get() / readSec);
            readPool.assertNoLeaks();
            writePool.assertNoLeaks();
        }
        return 0;
    }

    /** Block {@code i}: pseudo-random bytes seeded by its number; records its CRC32C for the read-back check. */
    private static ByteBuffer block(int i, long[] crcs) {
        byte[] b = new byte[BLOCK];
        new SplittableRandom(i * 0x9E3779B97F4A7C15L).nextBytes(b);
        CRC32C crc = new CRC32C();
        crc.update(b);
        crcs[i] = crc.getValue();
        return ByteBuffer.wrap(b);
    }
}
