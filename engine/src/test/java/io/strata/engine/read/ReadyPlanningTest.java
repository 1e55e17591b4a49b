package io.strata.engine.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.vectored.DeltaIndexPlanning;
import io.strata.engine.vectored.ImageIndexPlanning;
import io.strata.engine.vectored.VectoredRead;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synchronous planners of the point-lookup fast path plan exactly what the async planners plan. */
class ReadyPlanningTest {
    @TempDir
    Path dir;

    static Key key(int i) {
        return Key.fromHex("000000067F000032AC000040070000000000").add(i);
    }

    @Test
    void readyPlansEqualAsyncPlansAndAColdCacheIsNotReady() {
        try (ReadTestKit kit = new ReadTestKit(dir)) {
            TreeMap<Key, byte[]> pages = new TreeMap<>();
            List<LayerEntry> entries = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                pages.put(key(i), new byte[100 + i % 50]);
                for (int l = 0; l < 3; l++) {
                    entries.add(new LayerEntry(key(i), Lsn.of(0x20 + l), l == 1 && i % 5 == 0
                            ? ReadTestKit.init("i") : ReadTestKit.append("a")));
                }
            }
            PersistentLayer image = kit.image(Lsn.of(0x10), pages);
            PersistentLayer delta = kit.delta(Lsn.of(0x20), Lsn.of(0x30), entries);
            Generation gen = Generation.of(0xdead0001);
            ImageLayerReader ir = ImageLayerReader.open(kit.io.engine, kit.io.cache,
                    kit.io.dir.resolve(image.desc().name().localFileName(gen)), null).block(LayerTestSupport.T);
            DeltaLayerReader dr = DeltaLayerReader.open(kit.io.engine, kit.io.cache,
                    kit.io.dir.resolve(delta.desc().name().localFileName(gen)), null).block(LayerTestSupport.T);
            Random random = new Random(5);
            for (int round = 0; round < 50; round++) {
                KeySpace.Builder b = KeySpace.builder();
                List<DeltaIndexPlanning.RangeAtLsns> ranges = new ArrayList<>();
                int at = random.nextInt(100);
                for (int r = 0; r < 1 + random.nextInt(4) && at < 3000; r++) {
                    int len = 1 + random.nextInt(r == 0 ? 3 : 400);
                    KeyRange range = new KeyRange(key(at), key(Math.min(3000, at + len)));
                    b.add(range);
                    ranges.add(new DeltaIndexPlanning.RangeAtLsns(range, Lsn.of(0x20 + random.nextInt(2)),
                            Lsn.of(0x21 + random.nextInt(3))));
                    at += len + random.nextInt(300);
                }
                KeySpace ks = b.build();
                List<VectoredRead> async = ImageIndexPlanning.plan(ir.index(), ir.summary().indexStartBlk(), ks,
                        ir.summary().lsn(), null, 130 * 1024).block(LayerTestSupport.T);
                assertEquals(async, ImageIndexPlanning.planIfReady(ir.index(), ir.summary().indexStartBlk(), ks,
                        ir.summary().lsn(), 130 * 1024), "image plan, round " + round);
                List<VectoredRead> asyncDelta = DeltaIndexPlanning.plan(dr.index(), dr.summary().indexStartBlk(),
                        ranges, 130 * 1024, 512).block(LayerTestSupport.T);
                assertEquals(asyncDelta, DeltaIndexPlanning.planIfReady(dr.index(), dr.summary().indexStartBlk(),
                        ranges, 130 * 1024, 512), "delta plan, round " + round);
            }
            ir.close().block(LayerTestSupport.T);
            dr.close().block(LayerTestSupport.T);

            // A cold cache: the synchronous planner declines instead of waiting.
            AlignedBufferPool pool = new AlignedBufferPool(8192, 8, 4096);
            BlockCache cold = new BlockCache(64, pool);
            ImageLayerReader coldReader = ImageLayerReader.open(kit.io.engine, cold,
                    kit.io.dir.resolve(image.desc().name().localFileName(gen)), null).block(LayerTestSupport.T);
            cold.invalidateFile(coldReader.file().id());
            assertNull(ImageIndexPlanning.planIfReady(coldReader.index(), coldReader.summary().indexStartBlk(),
                    KeySpace.single(KeyRange.singleton(key(7))), coldReader.summary().lsn(), 130 * 1024));
            coldReader.close().block(LayerTestSupport.T);
        }
    }
}
