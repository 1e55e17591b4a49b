package io.strata.perf;

import io.strata.engine.inmemory.InMemoryLayer;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoEngine;
import io.strata.io.write.EphemeralFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code bench_ingest} ({@code pageserver/benches/bench_ingest.rs}) for Strata: puts of {@code put_count}
 * values of {@code put_size} bytes (all-zero page images) into a new in-memory layer in batches of 16, at LSNs
 * growing by {@code put_size} from 1000, on keys laid out sequentially, randomly, or randomly in a small set; then
 * the freeze, and (with delta) the write of the L0 delta layer and its removal. Also the same records through a
 * whole timeline ({@link Timeline#ingest} then {@link Timeline#freezeAndFlush}: L0 file and durable index).
 */
final class IngestBench {
    static final int BATCH = 16;
    static final TenantId TENANT = TenantId.parse("1e9e57001e9e57001e9e57001e9e5700");
    static final TimelineId TIMELINE = TimelineId.parse("be9c4000be9c4000be9c4000be9c4000");
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    /** Neon's in-memory layer buffer (its ephemeral file's tail) and our writes in flight. */
    static final int EPHEMERAL_BUFFER = 64 * 1024;
    static final int EPHEMERAL_WRITES = 2;

    private IngestBench() {
    }

    /** Neon's {@code KeyLayout}. */
    enum KeyLayout {
        SEQUENTIAL("Sequential"), RANDOM("Random"), RANDOM_REUSE("RandomReuse(1023)");

        final String neonName;

        KeyLayout(String neonName) {
            this.neonName = neonName;
        }
    }

    /**
     * One of Neon's hand-picked parameter sets (concurrent_reads=No), with the DirectRw figure Neon published in the
     * benchmark's comment (Hetzner AX102).
     */
    enum Case {
        SEQ_100_DELTA("100b-seq-delta", 100, KeyLayout.SEQUENTIAL, true, 205.63),
        RANDOM_100_DELTA("100b-random-delta", 100, KeyLayout.RANDOM, true, 118.90),
        REUSE_100_DELTA("100b-reuse-delta", 100, KeyLayout.RANDOM_REUSE, true, 197.60),
        SEQ_100_NODELTA("100b-seq-nodelta", 100, KeyLayout.SEQUENTIAL, false, 479.04),
        SEQ_8K_DELTA("8k-seq-delta", 8192, KeyLayout.SEQUENTIAL, true, 468.40),
        // Neon prints 1.0061 GiB/s (criterion's binary units), which is 1030.2 MiB/s
        SEQ_8K_NODELTA("8k-seq-nodelta", 8192, KeyLayout.SEQUENTIAL, false, 1.0061 * 1024);

        final String label;
        final int valueSize;
        final KeyLayout layout;
        final boolean writeDelta;
        final double neonMibPerSec;

        Case(String label, int valueSize, KeyLayout layout, boolean writeDelta, double neonMibPerSec) {
            this.label = label;
            this.valueSize = valueSize;
            this.layout = layout;
            this.writeDelta = writeDelta;
            this.neonMibPerSec = neonMibPerSec;
        }

        static Case parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            for (Case c : values()) {
                if (c.label.equals(v)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown case '" + s + "'");
        }
    }

    /** What is timed: Neon's in-memory layer path, or a whole timeline. */
    enum Path2 {
        LAYER("layer"), TIMELINE("timeline");

        final String label;

        Path2(String label) {
            this.label = label;
        }
    }

    /** Neon's {@code murmurhash32}: a cheap hash for non-sequential keys (a bijection on u32). */
    static int murmurhash32(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** The key of put {@code i}: Neon's {@code Key::from_i128(0)} with field6 set by the layout. */
    static Key key(KeyLayout layout, int i) {
        int field6 = switch (layout) {
            case SEQUENTIAL -> i;
            case RANDOM -> murmurhash32(i);
            case RANDOM_REUSE -> murmurhash32(i) & 0x3ff;
        };
        return new Key(0, 0, 0, 0, 0, field6);
    }

    /** The LSN of put {@code i} (0-based): Neon starts at 1000 and adds {@code put_size} before each put. */
    static Lsn lsn(int valueSize, int i) {
        return Lsn.of(1000 + (long) valueSize * (i + 1));
    }

    /** Puts of {@code bytes} of values: {@code bytes / valueSize}. */
    static int putCount(long bytes, int valueSize) {
        long n = bytes / valueSize;
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--size must hold between 1 and 2^31-1 values of " + valueSize
                    + " bytes, got " + bytes);
        }
        return (int) n;
    }

    /**
     * One timed run.
     *
     * @param putNanos the puts (and the freeze) alone; the rest of {@code nanos} writes and removes the delta
     */
    record Run(long nanos, long cpuNanos, long valueBytes, long deltaFileBytes, long putNanos) {
        double mibPerSec() {
            return valueBytes / (double) Sizes.MIB / (nanos / 1e9);
        }
    }

    /** Neon's {@code ingest()}: create, put in batches of 16, freeze, and with delta write the L0 and remove it. */
    static Run layerRun(Case c, int putCount, IoEngine engine, AlignedBufferPool ephemeralPool,
                        AlignedBufferPool writePool, Path dir, long id, CpuClock cpu) {
        Value data = new Value.Image(new byte[c.valueSize]);
        LayerWriteContext ctx = new LayerWriteContext(engine, writePool, dir, TENANT, TIMELINE, Generation.of(1));
        int batches = (putCount + BATCH - 1) / BATCH;
        Lsn end = lsn(c.valueSize, putCount - 1).add(1);
        AtomicLong deltaBytes = new AtomicLong();
        AtomicLong putsDone = new AtomicLong();
        long cpu0 = cpu.processCpuNanos();
        long t0 = System.nanoTime();
        InMemoryLayer.create(engine, dir, id, Lsn.of(1000), ephemeralPool,
                        EphemeralFile.Options.defaults().withMaxWritesInFlight(EPHEMERAL_WRITES))
                .flatMap(layer -> Flux.range(0, batches)
                        .concatMap(b -> layer.putBatch(entries(c, data, b * BATCH, Math.min(putCount, (b + 1) * BATCH))),
                                1)
                        .then(Mono.fromRunnable(() -> {
                            layer.freeze(end);
                            putsDone.set(System.nanoTime());
                        }))
                        .then(c.writeDelta
                                ? layer.writeToDisk(ctx).flatMap(w -> {
                                    deltaBytes.set(w.fileSize());
                                    return engine.deleteIfExists(w.path());
                                })
                                : Mono.empty())
                        .then(layer.close()))
                .block(TIMEOUT);
        long nanos = System.nanoTime() - t0;
        long cpuNanos = cpu0 < 0 ? -1 : cpu.processCpuNanos() - cpu0;
        return new Run(nanos, cpuNanos, (long) c.valueSize * putCount, deltaBytes.get(), putsDone.get() - t0);
    }

    private static List<LayerEntry> entries(Case c, Value data, int from, int to) {
        List<LayerEntry> b = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            b.add(new LayerEntry(key(c.layout, i), lsn(c.valueSize, i), data));
        }
        return b;
    }

    /**
     * The same puts through a timeline of a fresh engine in {@code dir}: {@code ingest} in batches of 16, then
     * {@code freezeAndFlush} (the L0 file and the durable index). Opening and removing the engine are not timed.
     */
    static Run timelineRun(Case c, int putCount, EngineConfig config, IoEngine engine, Path dir, CpuClock cpu)
            throws IOException {
        deleteTree(dir);
        StrataEngine strata = StrataEngine.open(dir, config, engine).block(TIMEOUT);
        try {
            Tenant tenant = strata.createTenant(TENANT).block(TIMEOUT);
            Timeline t = tenant.createTimeline(TIMELINE, Lsn.of(1000)).block(TIMEOUT);
            Value data = new Value.Image(new byte[c.valueSize]);
            int batches = (putCount + BATCH - 1) / BATCH;
            long cpu0 = cpu.processCpuNanos();
            long t0 = System.nanoTime();
            AtomicLong putsDone = new AtomicLong();
            t.ingest(Flux.range(0, batches).map(b -> {
                int from = b * BATCH;
                int to = Math.min(putCount, from + BATCH);
                List<IngestRecord> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add(new IngestRecord(key(c.layout, i), lsn(c.valueSize, i), data));
                }
                return batch;
            })).then(Mono.fromRunnable(() -> putsDone.set(System.nanoTime()))).then(t.freezeAndFlush())
                    .block(TIMEOUT);
            long nanos = System.nanoTime() - t0;
            long cpuNanos = cpu0 < 0 ? -1 : cpu.processCpuNanos() - cpu0;
            long files = t.indexPart().layerMetadata().values().stream().mapToLong(m -> m.fileSize()).sum();
            return new Run(nanos, cpuNanos, (long) c.valueSize * putCount, files, putsDone.get() - t0);
        } finally {
            strata.shutdown(ShutdownMode.HARD).block(TIMEOUT);
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
