package io.strata.engine.compaction.image;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.read.KeySpaceQuery;
import io.strata.engine.read.Page;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineTestSupport;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Reading back what image layer creation wrote, and the state a failed run must leave untouched. */
final class ImageTestSupport {
    private static final AlignedBufferPool POOL = new AlignedBufferPool(256 * 1024, 4, 4096);
    private static final IteratorOptions ITERATE = new IteratorOptions(256 * 1024, 64);

    private ImageTestSupport() {
    }

    /** The pages stored in an image layer of {@code t}, read from its file. */
    static TreeMap<Key, byte[]> imageContents(Timeline t, PersistentLayerDesc desc) {
        PersistentLayer layer = (PersistentLayer) t.layers().persistent().get(desc.name());
        List<LayerEntry> entries = t.withReadGuard(() -> layer.reader()
                .flatMap(r -> ((ImageLayerReader) r).iterator(POOL, ITERATE).collectList())).block(T);
        TreeMap<Key, byte[]> pages = new TreeMap<>();
        for (LayerEntry e : entries) {
            assertEquals(desc.imageLayerLsn(), e.lsn());
            pages.put(e.key(), ((Value.Image) e.value()).bytes());
        }
        return pages;
    }

    /** The pages of every image layer in {@code created}. */
    static TreeMap<Key, byte[]> imageContents(Timeline t, List<PersistentLayerDesc> created) {
        TreeMap<Key, byte[]> all = new TreeMap<>();
        for (PersistentLayerDesc d : created) {
            all.putAll(imageContents(t, d));
        }
        return all;
    }

    /** Byte-exact equality of two page maps, naming the first difference. */
    static void assertSamePages(Map<Key, byte[]> expected, Map<Key, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        for (Map.Entry<Key, byte[]> e : expected.entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), actual.get(e.getKey())),
                    what + ": page " + e.getKey() + " differs");
        }
    }

    /** Reads {@code keys} at {@code lsn}; {@code deltas} gets the delta layers visited. */
    static TreeMap<Key, byte[]> read(Timeline t, KeySpace keys, Lsn lsn, AtomicInteger deltas) {
        List<Page> pages = t.getVectored(KeySpaceQuery.uniform(keys, lsn),
                (n, layers, d, ios, nanos) -> deltas.addAndGet(d)).collectList().block(T);
        TreeMap<Key, byte[]> out = new TreeMap<>();
        pages.forEach(p -> out.put(p.key(), p.bytes()));
        return out;
    }

    /** The timeline's directory holds exactly its index and the layers the index names: no stray or temp file. */
    static void assertOnlyIndexedFiles(Timeline t) throws IOException {
        Path dir = t.directory();
        assertEquals(TimelineTestSupport.expectedFiles(t.indexPart()), TimelineTestSupport.files(dir));
    }

    /** Waits (up to the test timeout) until only the indexed files are left: cleanup after a cancel is async. */
    static void awaitOnlyIndexedFiles(Timeline t) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (!TimelineTestSupport.expectedFiles(t.indexPart()).equals(TimelineTestSupport.files(t.directory()))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertOnlyIndexedFiles(t);
    }
}
