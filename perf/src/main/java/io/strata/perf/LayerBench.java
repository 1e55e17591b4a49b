package io.strata.perf;

import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The measured operations of {@code layer-write} and {@code layer-scan}: writing one {@link LayerPlan}'s layer
 * through Strata's layer writers, checking a layer file, and scanning one with the layer readers' iterators.
 */
final class LayerBench {
    static final TenantId TENANT = TenantId.parse("5747a7a05747a7a05747a7a05747a7a0");
    static final TimelineId TIMELINE = TimelineId.parse("1a7e2b1e1a7e2b1e1a7e2b1e1a7e2b1e");
    /** Bytes per O_DIRECT write of the layer writers (the write pool's buffers), as fio's --bs=1m. */
    static final int WRITE_BUFFER = (int) Sizes.MIB;
    /** Writes in flight: DirectFileWriter's default, which LayerFileWriter uses; fio's --iodepth=4. */
    static final int WRITE_IN_FLIGHT = 4;
    /** Blocks of the block cache the readers read their summary and index through. */
    static final int CACHE_BLOCKS = 1024;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

    private LayerBench() {
    }

    /** A write's figures and the layer it made. */
    record Written(LayerRun run, WrittenLayer<?> layer) {
    }

    /**
     * The value bytes of a run: one random, incompressible region (made once, before anything is timed) that
     * images are sliced from, and for each delta value size a ring of distinct WAL records cut from it, so the
     * timed loops allocate nothing for values beyond what the writer API itself needs.
     */
    static final class ValueSource {
        static final int RANDOM_BYTES = 64 << 20;
        private static final int MAX_RECORDS = 1 << 16;
        private final byte[] random;
        private final UnsafeBuffer view;
        private final Map<Integer, Value[]> records = new HashMap<>();

        ValueSource(int maxValueSize) {
            random = new byte[RANDOM_BYTES + maxValueSize];
            new SplittableRandom(0x57a7a).nextBytes(random);
            view = new UnsafeBuffer(random);
        }

        UnsafeBuffer view() {
            return view;
        }

        /** Where value {@code i} of {@code valueSize} bytes starts in {@link #view()}. */
        static int offset(long i, int valueSize) {
            return (int) ((i * valueSize) % RANDOM_BYTES);
        }

        /** {@code Value.WalRecord(Postgres(willInit=false, rec))} values of {@code valueSize} bytes. */
        Value[] records(int valueSize) {
            return records.computeIfAbsent(valueSize, vs -> {
                int n = Math.max(1, Math.min(MAX_RECORDS, RANDOM_BYTES / vs));
                Value[] out = new Value[n];
                for (int j = 0; j < n; j++) {
                    int off = offset(j, vs);
                    out[j] = new Value.WalRecord(new NeonWalRecord.Postgres(false,
                            Arrays.copyOfRange(random, off, off + vs)));
                }
                return out;
            });
        }
    }

    /** The write context of {@code plan}'s directory. */
    static LayerWriteContext context(LayerPlan plan, IoEngine engine, AlignedBufferPool writePool) {
        return new LayerWriteContext(engine, writePool, plan.dir(), TENANT, TIMELINE, LayerPlan.generation());
    }

    /**
     * Writes {@code plan}'s layer, replacing the file of an earlier run (and temporary files a killed run left in
     * the plan's own directory), and times it from the writer's creation to its finish (fsync, rename and
     * directory fsync included). CPU time is the whole process's over the same window.
     */
    static Written write(LayerPlan plan, IoEngine engine, AlignedBufferPool writePool, ValueSource source,
                         CpuClock cpu, Progress progress) throws IOException, InterruptedException {
        prepareDirectory(plan, progress);
        LayerWriteContext ctx = context(plan, engine, writePool);
        AtomicLong done = new AtomicLong();
        int vs = plan.valueSize();
        int n = Math.toIntExact(plan.values());
        Mono<? extends WrittenLayer<?>> body;
        if (plan.kind() == LayerKind.IMAGE) {
            UnsafeBuffer bytes = source.view();
            body = ImageLayerWriter.write(ctx, plan.keyRange(), LayerPlan.IMAGE_LSN, plan.compression(),
                    w -> Flux.range(0, n)
                            .concatMap(i -> {
                                if ((i & 4095) == 0) {
                                    done.lazySet(i);
                                }
                                return w.putImage(LayerPlan.key(i), bytes, ValueSource.offset(i, vs), vs);
                            })
                            .then(Mono.defer(w::finish)));
        } else {
            Value[] records = source.records(vs);
            body = DeltaLayerWriter.write(ctx, LayerPlan.key(0), plan.lsnStart(), plan.lsnEnd(),
                    w -> Flux.range(0, n)
                            .concatMap(i -> {
                                if ((i & 4095) == 0) {
                                    done.lazySet(i);
                                }
                                return w.putValue(plan.keyOfValue(i), LayerPlan.deltaLsn(i),
                                        records[i % records.length]);
                            })
                            .then(Mono.defer(() -> w.finish(plan.keyRange().end()))));
        }
        long cpu0 = cpu.processCpuNanos();
        long t0 = System.nanoTime();
        WrittenLayer<?> layer = await(body.toFuture(), "writing " + plan.label() + " layer " + plan.path(),
                done, n, t0, progress);
        long nanos = System.nanoTime() - t0;
        long cpu1 = cpu.processCpuNanos();
        if (!layer.path().equals(plan.path())) {
            throw new IOException("the writer named the layer " + layer.path() + ", expected " + plan.path());
        }
        return new Written(new LayerRun(plan.values(), plan.payloadBytes(), layer.fileSize(), nanos,
                cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0), layer);
    }

    /** Removes the layer of an earlier run and leftover temporary files, only inside the plan's directory. */
    private static void prepareDirectory(LayerPlan plan, Progress progress) throws IOException {
        Files.createDirectories(plan.dir());
        if (Files.deleteIfExists(plan.path())) {
            progress.line("removed " + plan.path() + " of an earlier run");
        }
        try (Stream<Path> s = Files.list(plan.dir())) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(LayerName.TEMP_FILE_SUFFIX)).toList()) {
                if (Files.deleteIfExists(p)) {
                    progress.line("removed temporary file " + p + " of an interrupted run");
                }
            }
        }
    }

    /** Opens a just-written layer and checks its summary block against what the writer says it wrote. */
    static void verify(Written w, IoEngine engine, BlockCache cache) throws IOException {
        Path path = w.layer().path();
        try {
            if (w.layer().summary() instanceof ImageLayerSummary s) {
                ImageLayerReader r = ImageLayerReader.open(engine, cache, path, s).block(OPEN_TIMEOUT);
                r.close().block(OPEN_TIMEOUT);
            } else {
                DeltaLayerReader r = DeltaLayerReader.open(engine, cache, path,
                        (DeltaLayerSummary) w.layer().summary()).block(OPEN_TIMEOUT);
                r.close().block(OPEN_TIMEOUT);
            }
        } catch (RuntimeException e) {
            throw new IOException("the layer just written does not read back: " + StrataPerf.describe(e), e);
        }
    }

    /**
     * Whether {@code plan}'s layer file exists and opens as that layer (its summary names the plan's key range
     * and LSNs). A file that does not is removed, with a progress line, so that it is written again.
     */
    static boolean existing(LayerPlan plan, IoEngine engine, BlockCache cache, Progress progress)
            throws IOException {
        Path path = plan.path();
        if (!Files.isRegularFile(path)) {
            return false;
        }
        String problem;
        try {
            LayerName name;
            if (plan.kind() == LayerKind.IMAGE) {
                ImageLayerReader r = ImageLayerReader.open(engine, cache, path, null).block(OPEN_TIMEOUT);
                name = r.summary().layerName();
                r.close().block(OPEN_TIMEOUT);
            } else {
                DeltaLayerReader r = DeltaLayerReader.open(engine, cache, path, null).block(OPEN_TIMEOUT);
                name = r.summary().layerName();
                r.close().block(OPEN_TIMEOUT);
            }
            if (name.equals(plan.name())) {
                return true;
            }
            problem = "its summary names " + name;
        } catch (RuntimeException e) {
            problem = StrataPerf.describe(e);
        }
        progress.line(path + " is not the expected layer (" + problem + "): writing it again");
        Files.delete(path);
        return false;
    }

    /**
     * Scans {@code plan}'s layer with its reader's iterator, counting values and summing their payload bytes
     * (values are dropped as they come), and times it from the iterator's subscription to its completion; the
     * reader is opened before and closed (dropping its cached index blocks) after. Fails unless exactly the
     * plan's values and bytes came back.
     */
    static LayerRun scan(LayerPlan plan, IoEngine engine, BlockCache cache, AlignedBufferPool readPool,
                         IteratorOptions options, CpuClock cpu, Progress progress)
            throws IOException, InterruptedException {
        Path path = plan.path();
        long fileBytes = Files.size(path);
        Flux<LayerEntry> entries;
        Mono<Void> close;
        if (plan.kind() == LayerKind.IMAGE) {
            ImageLayerReader r = ImageLayerReader.open(engine, cache, path, null).block(OPEN_TIMEOUT);
            entries = Flux.defer(() -> r.iterator(readPool, options));
            close = Mono.defer(r::close);
        } else {
            DeltaLayerReader r = DeltaLayerReader.open(engine, cache, path, null).block(OPEN_TIMEOUT);
            entries = Flux.defer(() -> r.iterator(readPool, options));
            close = Mono.defer(r::close);
        }
        Tally tally = new Tally();
        long nanos;
        long cpuNanos;
        try {
            long cpu0 = cpu.processCpuNanos();
            long t0 = System.nanoTime();
            await(entries.doOnNext(tally::add).then().toFuture(), "scanning " + plan.label() + " layer " + path,
                    tally.seen, plan.values(), t0, progress);
            nanos = System.nanoTime() - t0;
            long cpu1 = cpu.processCpuNanos();
            cpuNanos = cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0;
        } finally {
            close.block(OPEN_TIMEOUT);
        }
        if (tally.count != plan.values() || tally.bytes != plan.payloadBytes()) {
            throw new IOException("the iterator of " + path + " yielded " + tally.count + " values of "
                    + tally.bytes + " payload bytes; the layer holds " + plan.values() + " values of "
                    + plan.payloadBytes() + " bytes");
        }
        return new LayerRun(tally.count, tally.bytes, fileBytes, nanos, cpuNanos);
    }

    /** Counts of a scan; {@link #add} runs serially (Reactive Streams' onNext rule). */
    private static final class Tally {
        final AtomicLong seen = new AtomicLong();
        long count;
        long bytes;

        void add(LayerEntry e) {
            count++;
            bytes += payloadLength(e.value());
            if ((count & 4095) == 0) {
                seen.lazySet(count);
            }
        }
    }

    /** The payload of a value: an image's bytes, or a Postgres WAL record's {@code rec}. */
    static long payloadLength(Value v) {
        if (v instanceof Value.Image image) {
            return image.bytes().length;
        }
        if (v instanceof Value.WalRecord w && w.record() instanceof NeonWalRecord.Postgres p) {
            return p.rec().length;
        }
        return v.serialize().length;
    }

    /** Waits for {@code f}, printing progress every 2 s; cancels it if interrupted. */
    private static <T> T await(CompletableFuture<T> f, String what, AtomicLong done, long total, long started,
                               Progress progress) throws IOException, InterruptedException {
        try {
            while (true) {
                try {
                    return f.get(PROGRESS_EVERY_NANOS, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    double s = (System.nanoTime() - started) / 1e9;
                    long d = done.get();
                    progress.line(String.format("  %s: %d of %d values (%.0f values/s)", what, d, total, d / s));
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw new IOException(what + " failed: " + StrataPerf.describe(cause), cause);
                }
            }
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    /** A summary line for progress output. */
    static String summary(String what, LayerRun r) {
        return String.format("%s: %d values, %.1f MiB file in %.2f s: %.1f MiB/s payload, %.1f MiB/s file, "
                        + "%.0f values/s, cpu %.3f us/value", what, r.values(), r.fileBytes() / (double) Sizes.MIB,
                r.seconds(), r.payloadMibPerSec(), r.fileMibPerSec(), r.valuesPerSec(), r.cpuUsPerValue());
    }
}
