package io.strata.engine.compaction.gc;

import static io.strata.engine.timeline.TimelineTestSupport.T;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.timeline.GcCutoffs;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.LsnLease;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineTestSupport;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Neon's test values and the GC settings its bottom-most compaction tests store directly. */
final class GcTestSupport {
    static final AlignedBufferPool POOL = new AlignedBufferPool(64 * 1024, 64, 4096);

    private GcTestSupport() {
    }

    /** Neon's {@code get_key} of a test: {@code hex} with field6 = id. */
    static Key key(String hex, int id) {
        Key b = Key.fromHex(hex);
        return new Key(b.field1(), b.field2(), b.field3(), b.field4(), b.field5(), id);
    }

    static Value img(String s) {
        return new Value.Image(s.getBytes(StandardCharsets.UTF_8));
    }

    static Value append(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walAppend(s));
    }

    static Value init(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walInit(s));
    }

    static LayerEntry e(Key k, long lsn, Value v) {
        return new LayerEntry(k, Lsn.of(lsn), v);
    }

    /** Neon's image layer of {@code value {id}@0x10} for keys 0..9. */
    static Map<Key, byte[]> tenValues(String hex, String at) {
        SortedMap<Key, byte[]> m = new TreeMap<>();
        for (int id = 0; id < 10; id++) {
            m.put(key(hex, id), ("value " + id + "@" + at).getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    /**
     * What Neon's tests write into {@code applied_gc_cutoff_lsn} and {@code gc_info}: the applied cutoff, the
     * cutoffs (time = space) and the retain LSNs.
     */
    static void setGc(Timeline t, long cutoff, List<Long> retainLsns, TimelineId child) {
        TestTimelineBuilder.forceAppliedGcCutoff(t, Lsn.of(cutoff));
        List<GcInfo.RetainLsn> retain = new ArrayList<>();
        for (long l : retainLsns) {
            retain.add(new GcInfo.RetainLsn(Lsn.of(l), child));
        }
        t.updateGcInfo(i -> new GcInfo(retain, new GcCutoffs(Lsn.of(cutoff), Optional.of(Lsn.of(cutoff))),
                new TreeMap<Lsn, LsnLease>(), false));
    }

    /** Adds a lease (a retain LSN for gc-compaction). */
    static void lease(Timeline t, long lsn) {
        t.updateGcInfo(i -> i.withLease(new LsnLease(Lsn.of(lsn), Instant.now().plusSeconds(600))));
    }

    /** The page as the pageserver reads it internally (no GC cutoff check), as Neon's tests read. */
    static String read(Timeline t, Key k, long lsn) {
        byte[] b = t.getForCompaction(k, Lsn.of(lsn)).block(T);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static GcCompactionResult compact(Timeline t, CompactOptions o) {
        return GcCompaction.compactWithGc(t, o, POOL).block(T);
    }

    static List<LayerName> layers(Timeline t) {
        List<LayerName> out = new ArrayList<>(t.layers().map().historicLayers().stream()
                .map(PersistentLayerDesc::name).toList());
        // Neon's sort_layer_key: key start, then LSN start, then LSN end
        out.sort(Comparator.comparing((LayerName n) -> n.keyRange().start()).thenComparing(LayerName::lsnStart)
                .thenComparing(LayerName::lsnEnd));
        return out;
    }

    /** A test body that works on a tenant. */
    interface TenantBody {
        void run(Tenant tenant) throws Exception;
    }

    /** Runs {@code body} on a new tenant of an engine opened in {@code dir} (1 MiB checkpoints), closed after. */
    static void withTenant(Path dir, TenantBody body) throws Exception {
        StrataEngine engine = TimelineTestSupport.open(dir, TimelineTestSupport.config(1 << 20));
        try {
            body.run(engine.createTenant(TimelineTestSupport.TENANT).block(T));
        } finally {
            engine.close().block(T);
        }
    }
}
