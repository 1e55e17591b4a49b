package io.strata.engine.compaction.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Neon's {@code impl CompactionKey for Key}, and layer descriptions as compaction layers. */
class PageCompactionKeyTest {
    private static final PageCompactionKey KEYS = PageCompactionKey.INSTANCE;

    /** A block of relation 1663/5/1000, main fork. */
    private static Key block(int blockNo) {
        return new Key(0, 1663, 5, 1000, 0, blockNo);
    }

    @Test
    void keyRangeSizeCountsPagesOfOneRelationAndSaturatesAcrossRelations() {
        ShardIdentity unsharded = ShardIdentity.unsharded();
        assertEquals(1000, KEYS.keyRangeSize(new Range<>(block(0), block(1000)), unsharded));
        assertEquals(0xFFFF_FFFFL, KEYS.keyRangeSize(KEYS.fullRange(), unsharded));
        // A shard of four holds a quarter of a range spanning whole stripes.
        ShardIdentity shard = ShardIdentity.of(1, 4, 8);
        assertEquals(8, KEYS.keyRangeSize(new Range<>(block(0), block(32)), shard));
        assertEquals(0xFFFF_FFFFL + 1000, CompactionHelpers.keyspaceTotalSize(
                List.of(new Range<>(block(0), block(1000)), new Range<>(block(2000), Key.MAX)), KEYS, unsharded));
    }

    @Test
    void stepsAndConversions() {
        assertEquals(block(1), KEYS.next(block(0)));
        assertEquals(block(128), KEYS.skipSome(block(0)));
        assertEquals(Key.MIN, KEYS.min());
        assertEquals(Key.MAX, KEYS.max());
        KeyRange kr = new KeyRange(block(3), block(9));
        assertEquals(kr, PageCompactionKey.toKeyRange(PageCompactionKey.fromKeyRange(kr)));
        assertEquals(List.of(new Range<>(block(0), block(5)), new Range<>(block(7), block(9))),
                PageCompactionKey.fromKeySpace(KeySpace.of(new KeyRange(block(7), block(9)), new KeyRange(block(0), block(5)))));
    }

    private static CompactionLayerDesc delta(long lsnStart, long lsnEnd, long size) {
        return new CompactionLayerDesc(new PersistentLayerDesc(
                new DeltaLayerName(KeyRange.FULL, Lsn.of(lsnStart), Lsn.of(lsnEnd)), size));
    }

    @Test
    void layerDescriptionsIdentifyLevelsLikeMockLayers() {
        // test_identify_level over Strata's layer names.
        List<CompactionLayerDesc> layers = List.of(
                delta(0x8000, 0x9000, 10), delta(0x5000, 0x7000, 10), delta(0x4000, 0x5000, 10),
                delta(0x3000, 0x4000, 10), delta(0x2000, 0x3000, 10), delta(0x1000, 0x2000, 10));
        assertEquals(6, IdentifyLevels.identifyLevel(layers, Lsn.of(0x10000), 0x2000).orElseThrow().depth(KEYS));
        assertEquals(1, IdentifyLevels.identifyLevel(layers, Lsn.of(0x10000), 0x1000).orElseThrow().depth(KEYS));
        assertEquals(2, IdentifyLevels.identifyLevel(layers, Lsn.of(0x3000), 0x1000).orElseThrow().depth(KEYS));

        // An image at the top hides the deltas of its key range ([L, L+1) in a layer name).
        CompactionLayerDesc image = new CompactionLayerDesc(new PersistentLayerDesc(
                new ImageLayerName(new KeyRange(Key.MIN, Key.MAX), Lsn.of(0x9000)), 10));
        assertEquals(new Range<>(Lsn.of(0x9000), Lsn.of(0x9001)), image.lsnRange());
        List<CompactionLayerDesc> withImage = List.of(layers.get(0), layers.get(1), image);
        Level<Key, CompactionLayerDesc> level = IdentifyLevels.identifyLevel(withImage, Lsn.of(0x10000), 0x2000).orElseThrow();
        assertEquals(3, level.layers().size());
        assertEquals(0, level.depth(KEYS));
        assertEquals(image.desc().name().toString(), image.shortId());
    }
}
