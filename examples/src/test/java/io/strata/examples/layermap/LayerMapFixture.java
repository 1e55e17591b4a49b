package io.strata.examples.layermap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real timeline on a real engine with one layer of every kind the picture draws, built with the engine's test kit
 * ({@link TestTimelineBuilder}), and L0 compaction to change it:
 *
 * <pre>
 *  0x70..      open in-memory                                  [whole key space]
 *  0x60-0x70   frozen in-memory
 *  0x50-0x60   L0 delta                                         [MIN, MAX)
 *  0x40-0x50   L0 delta
 *  0x30-0x40   L0 delta
 *  0x30        image [k0, k4)   (covers the L1 delta below it)
 *  0x10-0x30   L1 delta [k0, k4) (covered)    L1 delta [k4, k8)
 *  0x10        image [k0, k8)
 *  applied GC cutoff 0x20
 * </pre>
 */
final class LayerMapFixture implements AutoCloseable {
    static final Duration T = Duration.ofSeconds(60);
    static final TenantId TENANT = TenantId.parse("1a7e0000000000000000000000000001");
    static final TimelineId TIMELINE = TimelineId.parse("de1a0000000000000000000000000002");
    static final Lsn GC_CUTOFF = Lsn.of(0x20);
    static final Lsn END = Lsn.of(0x78);

    final StrataEngine engine;
    final Tenant tenant;
    final Timeline timeline;
    private boolean closed;
    private final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 16, 4096);

    static Key key(int block) {
        return new Key(0x00, 1663, 5, 16384, 0, block);
    }

    static byte[] page(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Small buffers and no background compaction: the test changes the layers itself. */
    static EngineConfig config() {
        return EngineConfig.defaults().withCompaction(CompactionConfig.defaults().withEnabled(false))
                .withWriteBuffers(64 * 1024, 16).withBlockCacheBlocks(256);
    }

    LayerMapFixture(Path dir) {
        engine = StrataEngine.open(dir, config()).block(T);
        tenant = engine.createTenant(TENANT).block(T);
        TestTimelineBuilder b = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10));
        Map<Key, byte[]> base = new TreeMap<>();
        for (int i = 0; i < 8; i++) {
            base.put(key(i), page("k" + i + "@0x10"));
        }
        b.image(KeyRange.of(key(0), key(8)), Lsn.of(0x10), base);
        b.delta(KeyRange.of(key(0), key(4)), Lsn.of(0x10), Lsn.of(0x30), versions(0, 4, 0x18, 0x28));
        b.delta(KeyRange.of(key(4), key(8)), Lsn.of(0x10), Lsn.of(0x30), versions(4, 8, 0x18, 0x28));
        Map<Key, byte[]> left = new TreeMap<>();
        for (int i = 0; i < 4; i++) {
            left.put(key(i), page("k" + i + "@0x30"));
        }
        b.image(KeyRange.of(key(0), key(4)), Lsn.of(0x30), left);
        b.delta(KeyRange.FULL, Lsn.of(0x30), Lsn.of(0x40), versions(0, 8, 0x38));
        b.delta(KeyRange.FULL, Lsn.of(0x40), Lsn.of(0x50), versions(2, 6, 0x48));
        b.delta(KeyRange.FULL, Lsn.of(0x50), Lsn.of(0x60), versions(1, 7, 0x58));
        b.inMemory(Lsn.of(0x60), Lsn.of(0x70), versions(0, 8, 0x68));
        b.openInMemory(Lsn.of(0x70), versions(3, 5, 0x74));
        timeline = b.endLsn(END).build().block(T);
        TestTimelineBuilder.forceAppliedGcCutoff(timeline, GC_CUTOFF);
        timeline.updateLayerVisibility();
    }

    /** Full page images of keys {@code [from, to)} at each of {@code lsns}. */
    private static List<LayerEntry> versions(int from, int to, int... lsns) {
        List<LayerEntry> out = new ArrayList<>();
        for (int lsn : lsns) {
            for (int i = from; i < to; i++) {
                out.add(new LayerEntry(key(i), Lsn.of(lsn), new Value.Image(page("k" + i + "@0x" + Integer.toHexString(lsn)))));
            }
        }
        return out;
    }

    static String l0Name(int lsnStart, int lsnEnd) {
        return new DeltaLayerName(KeyRange.FULL, Lsn.of(lsnStart), Lsn.of(lsnEnd)).toString();
    }

    static String l1Name(int keyStart, int keyEnd, int lsnStart, int lsnEnd) {
        return new DeltaLayerName(KeyRange.of(key(keyStart), key(keyEnd)), Lsn.of(lsnStart), Lsn.of(lsnEnd)).toString();
    }

    static String imageName(int keyStart, int keyEnd, int lsn) {
        return new ImageLayerName(KeyRange.of(key(keyStart), key(keyEnd)), Lsn.of(lsn)).toString();
    }

    LayerMapInfo info() {
        return LayerMapInfo.of(TENANT, timeline);
    }

    /** Forced L0 compaction (the three L0s become L1s), then visibility as the background pass recomputes it. */
    Level0Compaction.Result compactL0() {
        Level0Compaction.Result r = Level0Compaction.compactLevel0(timeline,
                Level0Compaction.Options.of(timeline.config()).withForce(true), pool).block(T);
        assertEquals(CompactionOutcome.DONE, r.outcome(), "L0 compaction of " + timeline);
        timeline.updateLayerVisibility();
        return r;
    }

    /** Shuts the engine down ({@link ShutdownMode#FREEZE_AND_FLUSH}: the in-memory layers become L0 files). */
    void close(ShutdownMode mode) {
        if (!closed) {
            closed = true;
            engine.shutdown(mode).block(T);
        }
    }

    @Override
    public void close() {
        close(ShutdownMode.HARD);
    }
}
