package io.strata.engine.failpoint;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.expectedFiles;
import static io.strata.engine.timeline.TimelineTestSupport.files;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.gc.CompactOptions;
import io.strata.engine.compaction.gc.GcCompaction;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.image.LastImageLayerCreationStatus;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorChecks;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.timeline.GcCutoffs;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.LsnLease;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.FaultInjectingIoEngine;
import io.strata.io.file.FaultInjectingIoEngine.Fault;
import io.strata.io.file.FaultInjectingIoEngine.Op;
import io.strata.io.file.FaultInjectingIoEngine.Rule;
import io.strata.io.file.IoEngines;
import io.strata.io.file.IoOperationException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every failpoint and every injected I/O error kind during flush, L0 compaction, image creation and
 * gc-compaction (each of which ends with an index update, itself faulted): the operation fails with an error
 * naming the file or the failpoint, the timeline reads exactly the same pages (full vectored reads at several
 * LSNs), no temporary file is left and the index is unchanged; once disarmed the operation succeeds, and a restart
 * reads the same again.
 */
class FaultInjectionTest {
    private static final Workload W = new Workload(Lsn.of(0x1000), 61, 300);
    private static final ImageLayerCreationConfig IMAGES = ImageLayerCreationConfig.defaults()
            .withCompactionTargetSize(16 * 8192L);
    private static final TreeSet<String> EXERCISED = new TreeSet<>();

    @TempDir
    Path dir;
    private final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 64, 4096);
    private FaultInjectingIoEngine faults;
    private StrataEngine engine;

    /** One injected failure: arms itself, disarms itself, and says what the error must name. */
    private interface Injection {
        String describe();

        AutoCloseable arm();

        /** Whether it actually fired (a rule that matched nothing would prove nothing). */
        boolean fired();

        /** A text the error chain must contain. */
        String named();
    }

    private Injection io(Fault fault, Op op, String glob) {
        Rule[] rule = new Rule[1];
        return new Injection() {
            @Override
            public String describe() {
                return fault + " on " + op + " of " + glob;
            }

            @Override
            public AutoCloseable arm() {
                rule[0] = faults.inject(Rule.on(fault, op).glob(glob));
                return () -> faults.remove(rule[0]);
            }

            @Override
            public boolean fired() {
                return rule[0].fired() > 0;
            }

            @Override
            public String named() {
                return fault == Fault.SHORT_WRITE ? "short write" : fault.name();
            }
        };
    }

    private static Injection failpoint(String name) {
        return new Injection() {
            long before;

            @Override
            public String describe() {
                return "failpoint " + name;
            }

            @Override
            public AutoCloseable arm() {
                before = Failpoints.hits(name);
                Failpoints.Armed a = Failpoints.arm(name);
                return a::close;
            }

            @Override
            public boolean fired() {
                boolean f = Failpoints.hits(name) > before;
                if (f) {
                    synchronized (EXERCISED) {
                        EXERCISED.add(name);
                    }
                }
                return f;
            }

            @Override
            public String named() {
                return "failpoint " + name;
            }
        };
    }

    /** The I/O faults every operation meets: on its layer files, and on the index update that publishes them. */
    private List<Injection> ioFaults() {
        String temp = "**/*___temp";
        String index = "**/" + IndexPart.FILE_NAME + "*";
        return List.of(io(Fault.EIO, Op.WRITE, temp), io(Fault.ENOSPC, Op.WRITE, temp),
                io(Fault.SHORT_WRITE, Op.WRITE, temp), io(Fault.EIO, Op.FSYNC, temp),
                io(Fault.EIO, Op.RENAME, temp), io(Fault.ENOSPC, Op.WRITE, index), io(Fault.EIO, Op.RENAME, index));
    }

    private List<Injection> with(List<Injection> more) {
        List<Injection> all = new ArrayList<>(ioFaults());
        all.addAll(more);
        return all;
    }

    private EngineConfig engineConfig() {
        return config(1 << 20);
    }

    private Timeline start() {
        faults = new FaultInjectingIoEngine(IoEngines.create(engineConfig().io()));
        engine = StrataEngine.open(dir, engineConfig(), faults).block(T);
        return engine.tenantOrCreate(TENANT).block(T).timeline(TIMELINE).orElseGet(
                () -> engine.tenant(TENANT).orElseThrow().createTimeline(TIMELINE, W.start).block(T));
    }

    private void stop() {
        if (engine != null) {
            engine.close().block(T);
            engine = null;
        }
        if (faults != null) {
            faults.close();
            faults = null;
        }
    }

    private Timeline restart() {
        stop();
        return start();
    }

    @AfterEach
    void close() throws Exception {
        stop();
        IteratorChecks.awaitAllReturned(pool, T);
    }

    @AfterAll
    static void report() {
        System.out.println("FaultInjectionTest: failpoints exercised (" + EXERCISED.size() + "): " + EXERCISED
                + "; in this JVM so far (other tests included): " + Failpoints.exercised());
    }

    private static void ingest(Timeline t, long from, long to, long chunk) {
        for (long i = from; i <= to; i += chunk) {
            t.ingest(Flux.fromIterable(W.batches(i, Math.min(to, i + chunk - 1), 16))).block(T);
            t.freezeAndFlush().block(T);
        }
    }

    /** Every page of the workload's keys at each LSN, as one full vectored read per LSN. */
    private static Map<String, Map<Key, String>> readAll(Timeline t, List<Lsn> lsns) {
        Map<String, Map<Key, String>> out = new TreeMap<>();
        for (Lsn lsn : lsns) {
            TreeMap<Key, byte[]> oracle = W.pagesAt(lsn);
            List<Page> pages = t.getVectored(Workload.keySpace(oracle.keySet()), lsn).collectList().block(T);
            Map<Key, String> m = new TreeMap<>();
            for (Page p : pages) {
                m.put(p.key(), Base64.getEncoder().encodeToString(p.bytes()));
            }
            out.put(lsn.toString(), m);
            assertPagesAt(t, W, lsn);
        }
        return out;
    }

    /** Waits until the timeline directory holds the index's files (and in-memory layers' files), nothing more. */
    private static void assertOnlyIndexedFiles(Timeline t, String what) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        List<String> actual = durableFiles(t);
        while (!expectedFiles(t.indexPart()).equals(actual) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            actual = durableFiles(t);
        }
        assertEquals(expectedFiles(t.indexPart()), actual, what + ": the directory holds the index's files, no "
                + "temporary or orphaned file");
    }

    private static List<String> durableFiles(Timeline t) throws Exception {
        return files(t.directory()).stream().filter(n -> !n.startsWith("ephemeral-")).toList();
    }

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            sb.append(c).append(" <- ");
        }
        return sb.toString();
    }

    private static void assertNamesAFile(Throwable e, Injection inj) {
        String chain = chain(e);
        assertTrue(chain.contains(inj.named()), inj.describe() + ": error should say " + inj.named() + ": " + chain);
        boolean namesFile = false;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof IoOperationException io) {
                namesFile = io.path() != null && c.getMessage().contains(io.path().toString());
            }
        }
        assertTrue(namesFile || inj.named().startsWith("failpoint"), inj.describe()
                + ": the error names the file: " + chain);
    }

    /**
     * Runs {@code op} under each injection on the same timeline (a failure must change nothing, so each starts
     * from the same state), then without, then restarts. {@code op} gets the timeline to work on.
     */
    private Timeline failEachThenSucceed(Timeline t, String opName, List<Injection> injections, List<Lsn> lsns,
                                         Function<Timeline, Mono<?>> op) throws Exception {
        Map<String, Map<Key, String>> expected = readAll(t, lsns);
        IndexPart index = t.indexPart();
        for (Injection inj : injections) {
            Throwable e;
            try (AutoCloseable armed = inj.arm()) {
                e = assertThrows(Throwable.class, () -> op.apply(t).block(T), opName + " under " + inj.describe());
            }
            assertTrue(inj.fired(), opName + ": " + inj.describe() + " never fired");
            assertNamesAFile(e, inj);
            assertEquals(index, t.indexPart(), opName + " under " + inj.describe() + ": index unchanged");
            assertEquals(expected, readAll(t, lsns), opName + " under " + inj.describe() + ": same pages");
            assertOnlyIndexedFiles(t, opName + " under " + inj.describe());
        }
        assertNotNull(op.apply(t).block(T), opName + " succeeds once disarmed");
        assertEquals(expected, readAll(t, lsns), opName + ": same pages after it succeeded");
        assertOnlyIndexedFiles(t, opName + " after it succeeded");
        IndexPart after = t.indexPart();
        Timeline reopened = restart();
        assertEquals(after, reopened.indexPart(), opName + ": the index survives a restart");
        assertEquals(expected, readAll(reopened, lsns), opName + ": same pages after a restart");
        return reopened;
    }

    private static List<Lsn> lsns(long... indexes) {
        List<Lsn> out = new ArrayList<>();
        for (long i : indexes) {
            out.add(W.lsn(i));
        }
        return out;
    }

    @Test
    void l0CompactionFailsCleanlyUnderEveryFault() throws Exception {
        Timeline t = start();
        ingest(t, 1, 480, 40); // 12 L0s: above the compaction threshold
        Level0Compaction.Options o = Level0Compaction.Options.of(t.config()).withTargetFileSize(16 * 1024);
        List<Injection> injections = with(List.of(failpoint(DeltaLayerWriter.FAILPOINT_BEFORE_FINISH),
                failpoint(Level0Compaction.FAILPOINT_AFTER_FIRST_L1),
                failpoint(Level0Compaction.FAILPOINT_PLAN_AFTER_FIRST_CUT)));
        Timeline after = failEachThenSucceed(t, "L0 compaction", injections, lsns(1, 100, 250, 479, 480),
                tl -> Level0Compaction.compactLevel0(tl, o, pool).doOnNext(r ->
                        assertEquals(CompactionOutcome.DONE, r.outcome())));
        assertTrue(after.layers().map().level0Deltas().isEmpty(), "the L0s were compacted");
    }

    @Test
    void imageCreationFailsCleanlyUnderEveryFault() throws Exception {
        Timeline t = start();
        ingest(t, 1, 300, 100);
        List<Injection> injections = with(List.of(failpoint(ImageLayerWriter.FAILPOINT_BEFORE_FINISH)));
        Timeline after = failEachThenSucceed(t, "image creation", injections, lsns(150, 299, 300), tl -> {
            ImageLayerCreation ilc = new ImageLayerCreation(tl, IMAGES);
            Lsn lsn = ilc.partitionLsn();
            return ilc.repartition(lsn, IMAGES.compactionTargetSize(), false)
                    .flatMap(p -> ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null))
                    .doOnNext(r -> {
                        assertEquals(LastImageLayerCreationStatus.COMPLETE, r.status());
                        assertTrue(!r.created().isEmpty(), "images were created");
                    });
        });
        assertTrue(after.layers().map().historicLayers().stream().anyMatch(l -> !l.isDelta()), "images exist");
    }

    @Test
    void gcCompactionFailsCleanlyUnderEveryFault() throws Exception {
        Timeline t = start();
        ingest(t, 1, 300, 100);
        Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config()).withTargetFileSize(64 * 1024),
                pool).block(T);
        Lsn cutoff = W.lsn(200);
        TestTimelineBuilder.forceAppliedGcCutoff(t, cutoff);
        t.updateGcInfo(i -> new GcInfo(List.of(), new GcCutoffs(cutoff, Optional.of(cutoff)),
                new TreeMap<Lsn, LsnLease>(), false).withLease(new LsnLease(W.lsn(120),
                Instant.now().plusSeconds(600)))); // history kept above the lease: gc-compaction writes deltas
        List<Injection> injections = with(List.of(failpoint(DeltaLayerWriter.FAILPOINT_BEFORE_FINISH),
                failpoint(ImageLayerWriter.FAILPOINT_BEFORE_FINISH)));
        failEachThenSucceed(t, "gc-compaction", injections, lsns(200, 250, 300),
                tl -> GcCompaction.compactWithGc(tl, CompactOptions.defaultForGcCompactionUnitTests(), pool));
    }

    /**
     * A failed flush stops ingest (Neon: the timeline is broken until restart; its WAL is sent again). Each fault
     * gets a fresh start: the failure changes no page, leaves no file, and after a restart the records ingested
     * again flush once disarmed.
     */
    @Test
    void flushFailsCleanlyUnderEveryFault() throws Exception {
        Timeline t = start();
        ingest(t, 1, 200, 100);
        List<Lsn> lsns = lsns(100, 200, 250, 260);
        List<Injection> injections = with(List.of(failpoint(DeltaLayerWriter.FAILPOINT_BEFORE_FINISH)));
        for (Injection inj : injections) {
            t.ingest(Flux.fromIterable(W.batches(201, 260, 16))).block(T);
            Map<String, Map<Key, String>> expected = readAll(t, lsns);
            IndexPart index = t.indexPart();
            Throwable e;
            try (AutoCloseable armed = inj.arm()) {
                Timeline tl = t;
                e = assertThrows(Throwable.class, () -> tl.freezeAndFlush().block(T), "flush under "
                        + inj.describe());
            }
            assertTrue(inj.fired(), "flush: " + inj.describe() + " never fired");
            assertNamesAFile(e, inj);
            assertEquals(index, t.indexPart(), "flush under " + inj.describe() + ": index unchanged");
            assertEquals(expected, readAll(t, lsns), "flush under " + inj.describe() + ": reads go on, the same");
            assertOnlyIndexedFiles(t, "flush under " + inj.describe());
            t = restart();
            assertEquals(index, t.indexPart(), "flush under " + inj.describe() + ": index after a restart");
            assertEquals(W.lsn(200), t.diskConsistentLsn(), "flush under " + inj.describe()
                    + ": what was flushed before survives, nothing more");
        }
        t.ingest(Flux.fromIterable(W.batches(201, 260, 16))).block(T);
        Map<String, Map<Key, String>> expected = readAll(t, lsns);
        t.freezeAndFlush().block(T);
        assertEquals(expected, readAll(t, lsns), "flush: same pages after it succeeded");
        assertOnlyIndexedFiles(t, "flush after it succeeded");
        Timeline reopened = restart();
        assertEquals(expected, readAll(reopened, lsns), "flush: same pages after a restart");
    }
}
