package io.strata.engine.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PointGet} on a branch: the child's records above the branch point, then the parent's image and records at
 * or below it (never the parent's later ones), read with the fast path, without it and through PointGet directly.
 */
class PointGetTest {
    static final Key START = Key.fromHex("000000067F000032AC000040070000000100");
    static final int KEYS = 4;
    static final Lsn BRANCH = Lsn.of(0x28);

    @TempDir
    Path dir;

    static Key key(int i) {
        return START.add(i);
    }

    @Test
    void pointGetsDescendIntoTheAncestorAtTheBranchPoint() {
        try (ReadTestKit kit = new ReadTestKit(dir)) {
            TreeMap<Key, byte[]> base = new TreeMap<>();
            List<LayerEntry> parentRecords = new ArrayList<>();
            List<LayerEntry> childRecords = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                base.put(key(i), ReadTestKit.bytes("base " + i));
                parentRecords.add(new LayerEntry(key(i), Lsn.of(0x20 + i), ReadTestKit.append("[p" + i + "]")));
                parentRecords.add(new LayerEntry(key(i), Lsn.of(0x2c), ReadTestKit.append("[late]")));
                childRecords.add(new LayerEntry(key(i), Lsn.of(0x30), ReadTestKit.append("[c" + i + "]")));
            }
            KeyRange range = new KeyRange(key(0), key(KEYS));
            PersistentLayer image = kit.image(range, Lsn.of(0x10), base);
            PersistentLayer parentDelta = kit.delta(range, Lsn.of(0x20), Lsn.of(0x30), sorted(parentRecords));
            PersistentLayer childDelta = kit.delta(range, Lsn.of(0x29), Lsn.of(0x40), childRecords);
            Timeline parent = kit.timeline(List.of(image, parentDelta));
            Timeline child = kit.child(parent, BRANCH, List.of(childDelta));
            ReadOptions generalOptions = ReadOptions.DEFAULT.withPointFastPath(false);
            Timeline generalChild = new Timeline(TimelineId.generate(),
                    Optional.of(new ReadTimeline.Ancestor(parent, BRANCH)), ReadTestKit.snapshot(List.of(childDelta)),
                    ReadTestKit.redo(), generalOptions);

            for (int i = 0; i < KEYS; i++) {
                Key k = key(i);
                String want = "base " + i + "[p" + i + "][c" + i + "]";
                assertEquals(want, read(generalChild.get(k, Lsn.of(0x35)).block(LayerTestSupport.T)));
                var direct = PointGet.tryRead(child, k, Lsn.of(0x35), ReadTestKit.redo(), ReadOptions.DEFAULT,
                        System.nanoTime());
                assertNotNull(direct, "the point get applies on the branch for " + k);
                assertEquals(want, read(direct.block(LayerTestSupport.T)));
                assertEquals(want, read(child.get(k, Lsn.of(0x35)).block(LayerTestSupport.T)));
                // Below the child's records: the parent's history as of the branch point.
                assertEquals("base " + i + "[p" + i + "]", read(child.get(k, Lsn.of(0x29)).block(LayerTestSupport.T)));
                // The parent itself sees its later record.
                assertEquals("base " + i + "[p" + i + "][late]",
                        read(parent.get(k, Lsn.of(0x2f)).block(LayerTestSupport.T)));
            }
            // A key neither timeline has: the fast path gives way, the general path names it.
            Key missing = key(KEYS + 5);
            assertNull(PointGet.tryRead(child, missing, Lsn.of(0x35), ReadTestKit.redo(), ReadOptions.DEFAULT,
                    System.nanoTime()));
            assertThrows(MissingKeyException.class, () -> child.get(missing, Lsn.of(0x35)).block(LayerTestSupport.T));
        }
    }

    private static List<LayerEntry> sorted(List<LayerEntry> entries) {
        List<LayerEntry> out = new ArrayList<>(entries);
        out.sort((a, b) -> {
            int c = a.key().compareTo(b.key());
            return c != 0 ? c : a.lsn().compareTo(b.lsn());
        });
        return out;
    }

    private static String read(byte[] page) {
        return ReadTestKit.string(page);
    }
}
