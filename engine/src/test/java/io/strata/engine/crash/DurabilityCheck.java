package io.strata.engine.crash;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.read.MissingKeyException;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.timeline.GcCutoffException;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineTestSupport;
import io.strata.engine.timeline.Workload;
import io.strata.io.file.IoEngineKind;
import io.strata.io.write.EphemeralFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What must hold after a SIGKILL: before the restart, the index names only layer files that exist whole; then,
 * reopening the data directory in the test JVM: the disk-consistent LSN
 * covers every acknowledged LSN; the timeline restarts at it; no temporary or ephemeral file is left anywhere and
 * the timeline directory holds exactly the index and the layers it names, none above the disk-consistent LSN; every
 * page at the disk-consistent LSN, at the acknowledged LSN and at random LSNs down to the applied GC cutoff is
 * exactly the workload's (regenerated from the record indexes), keys not yet written are absent; a read above the
 * disk-consistent LSN sees none of the lost records (absent, never wrong); a read below the GC cutoff is refused.
 */
final class DurabilityCheck {
    /** Random LSNs checked between the GC cutoff and the disk-consistent LSN, besides the fixed ones. */
    private static final int SAMPLES = 6;

    private DurabilityCheck() {
    }

    /** The state found: disk-consistent LSN, applied GC cutoff, leftovers the restart removed. */
    record Found(Lsn diskConsistentLsn, Lsn gcCutoff, int layers, List<String> leftovers) {
    }

    /**
     * @param created whether a child had reported the timeline created; if not, the kill may have interrupted its
     *                creation, and then it must be gone altogether or whole
     */
    static Found verify(Path data, Workload w, Lsn acked, boolean created, IoEngineKind kind, Random random)
            throws IOException {
        List<String> leftovers = leftovers(data);
        Path timelineDir = data.resolve("tenants").resolve(TENANT.toString()).resolve("timelines")
                .resolve(TIMELINE.toString());
        if (created || Files.exists(timelineDir.resolve(IndexPart.FILE_NAME))) {
            assertIndexedFilesExist(timelineDir);
        }
        StrataEngine engine = StrataEngine.open(data, CrashWorkloadChild.config(kind)).block(T);
        try {
            Optional<Timeline> opened = engine.tenant(TENANT).flatMap(tenant -> tenant.timeline(TIMELINE));
            if (opened.isEmpty()) {
                assertTrue(!created, "the timeline is gone after a restart");
                assertEquals(List.of(), leftovers(data), "temporary or ephemeral files left after the open");
                assertTrue(!Files.exists(timelineDir), "the directory of a timeline whose creation was interrupted is"
                        + " removed at the open: " + timelineDir);
                return new Found(w.start, new Lsn(0), 0, leftovers);
            }
            Timeline t = opened.get();
            Lsn dcl = t.diskConsistentLsn();
            assertTrue(dcl.compareTo(acked) >= 0, "disk-consistent LSN " + dcl + " is below the acknowledged "
                    + acked);
            assertEquals(dcl, t.lastRecordLsn(), "the timeline restarts at its disk-consistent LSN");
            assertEquals(List.of(), leftovers(data), "temporary or ephemeral files left after the open");
            assertEquals(TimelineTestSupport.expectedFiles(t.indexPart()), TimelineTestSupport.files(t.directory()),
                    "the timeline directory holds exactly the index and its layers");
            List<PersistentLayerDesc> layers = List.copyOf(t.layers().map().historicLayers());
            for (PersistentLayerDesc l : layers) {
                // a delta holds [start, end), an image at L the pages as of the records below L (Neon's images sit at
                // the L0/L1 boundary, a delta's end): neither may hold a record above the disk-consistent LSN
                Lsn holdsBelow = l.isDelta() ? l.lsnEnd() : l.imageLayerLsn();
                assertTrue(!holdsBelow.isAfter(dcl.add(1)), "layer " + l.name() + " reaches above the disk-consistent"
                        + " LSN " + dcl);
            }
            Lsn cutoff = t.appliedGcCutoffLsn();
            Lsn floor = cutoff.compareTo(w.start) > 0 ? cutoff : w.start;

            assertPagesExactlyAt(t, w, dcl);
            if (acked.compareTo(floor) >= 0) {
                assertPagesExactlyAt(t, w, acked);
            }
            long lo = w.indexAtOrBelow(floor);
            long hi = w.indexAtOrBelow(dcl);
            for (int i = 0; i < SAMPLES && hi > lo; i++) {
                long idx = lo + 1 + (long) (random.nextDouble() * (hi - lo));
                assertPagesExactlyAt(t, w, w.lsn(Math.min(idx, hi)));
            }
            // above it the engine knows nothing: the records the child had ingested there are absent
            Lsn above = w.lsn(hi + 1 + random.nextInt(4000));
            assertSamePages(w.pagesAt(dcl), read(t, w.pagesAt(dcl), above), "read at " + above + " above the"
                    + " disk-consistent LSN " + dcl);
            if (cutoff.compareTo(w.lsn(1)) > 0) {
                Lsn below = w.lsn(1 + (long) (random.nextDouble() * (w.indexAtOrBelow(cutoff.saturatingSub(1)) - 1)));
                Throwable e = assertThrows(RuntimeException.class, () -> t.get(Workload.keyOf(0), below).block(T),
                        "a read at " + below + " below the GC cutoff " + cutoff);
                assertInstanceOf(GcCutoffException.class, e, "refused below the GC cutoff");
            }
            return new Found(dcl, cutoff, layers.size(), leftovers);
        } finally {
            engine.shutdown(ShutdownMode.HARD).block(T); // no flush: the next child sees what the kill left
        }
    }

    /** As the kill left it, before a restart could clean up: every layer the index names is there, whole. */
    private static void assertIndexedFilesExist(Path timelineDir) throws IOException {
        Path indexFile = timelineDir.resolve(IndexPart.FILE_NAME);
        IndexPart index = IndexPart.fromJson(Files.readAllBytes(indexFile), indexFile.toString());
        for (Map.Entry<LayerName, IndexPart.LayerFileMetadata> e : index.layerMetadata().entrySet()) {
            Path file = timelineDir.resolve(e.getKey().localFileName(e.getValue().generation()));
            assertTrue(Files.isRegularFile(file), "the index names " + file + ", which is missing");
            assertEquals(e.getValue().fileSize(), Files.size(file), "size of " + file + " as the index says");
        }
    }

    /** Every page at {@code lsn} is the workload's, and the keys the workload had not written yet are absent. */
    private static void assertPagesExactlyAt(Timeline t, Workload w, Lsn lsn) {
        TreeMap<Key, byte[]> expected = w.pagesAt(lsn);
        if (!expected.isEmpty()) {
            assertSamePages(expected, read(t, expected, lsn), "pages at " + lsn);
        }
        for (int blk = 0; blk < w.keys; blk++) {
            Key k = Workload.keyOf(blk);
            if (!expected.containsKey(k)) {
                Throwable e = assertThrows(RuntimeException.class, () -> t.get(k, lsn).block(T),
                        "key " + k + " is not written at " + lsn);
                assertInstanceOf(MissingKeyException.class, e, "key " + k + " at " + lsn);
            }
        }
    }

    private static TreeMap<Key, byte[]> read(Timeline t, Map<Key, byte[]> keys, Lsn lsn) {
        List<Page> pages = t.getVectored(Workload.keySpace(keys.keySet()), lsn).collectList().block(T);
        TreeMap<Key, byte[]> out = new TreeMap<>();
        for (Page p : pages) {
            out.put(p.key(), p.bytes());
        }
        return out;
    }

    private static void assertSamePages(Map<Key, byte[]> expected, Map<Key, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        for (Map.Entry<Key, byte[]> e : expected.entrySet()) {
            byte[] got = actual.get(e.getKey());
            if (!Arrays.equals(e.getValue(), got)) {
                fail(what + ": page " + e.getKey() + " expected " + new String(e.getValue(), StandardCharsets.UTF_8)
                        + " got " + new String(got, StandardCharsets.UTF_8));
            }
        }
    }

    /** Temporary ({@code ___temp}) and ephemeral files anywhere under {@code data}. */
    static List<String> leftovers(Path data) throws IOException {
        try (Stream<Path> s = Files.walk(data)) {
            return s.filter(Files::isRegularFile).map(p -> data.relativize(p).toString())
                    .filter(n -> n.endsWith(LayerName.TEMP_FILE_SUFFIX)
                            || EphemeralFile.isEphemeralFile(Path.of(n).getFileName().toString()))
                    .sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
