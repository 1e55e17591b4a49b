package io.strata.engine.timeline;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.value.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Builds a timeline from explicit layers, so that read, compaction and GC scenarios can be written exactly: the
 * counterpart of Neon's {@code create_test_timeline_with_layers} (with {@code DeltaLayerTestDesc},
 * {@code InMemoryLayerTestDesc} and image layer descriptions).
 *
 * <pre>{@code
 * Timeline t = TestTimelineBuilder.create(tenant, timelineId, Lsn.of(0x10))
 *         .image(Lsn.of(0x10), Map.of(key(0), page("a"), key(1), page("b")))              // image over [key0, key2)
 *         .delta(Lsn.of(0x10), Lsn.of(0x48), List.of(new LayerEntry(key(0), Lsn.of(0x20), append("@0x20"))))
 *         .inMemory(Lsn.of(0x48), Lsn.of(0x50), List.of(new LayerEntry(key(1), Lsn.of(0x48), append("@0x48"))))
 *         .openInMemory(Lsn.of(0x50), List.of(new LayerEntry(key(0), Lsn.of(0x50), append("@0x50"))))
 *         .endLsn(Lsn.of(0x50))
 *         .build().block();
 * }</pre>
 *
 * <p>The timeline is a real one of {@code tenant}: created empty at {@code initdbLsn}, then its image and delta
 * layers are written as layer files of the tenant's current generation and put into its durable index (so they
 * survive a restart), its in-memory layers are created in LSN order (frozen ones queued for flushing, flushed by
 * the next roll or {@link Timeline#freezeAndFlush}), and its last record LSN is set to {@code endLsn}. The
 * disk-consistent LSN becomes the end (inclusive) of the highest image or delta layer, kept below the first
 * in-memory layer; ingest continues above {@code endLsn}.
 *
 * <p>As Neon's, {@link #build} refuses (with {@link IllegalArgumentException}) entries outside their layer's key or
 * LSN range, layers above {@code endLsn} or below {@code initdbLsn}, overlapping in-memory layers or an open one
 * that is not the last, and a set of delta layers that no compaction could have produced
 * ({@link LayerMapChecks#checkValidLayerMap}).
 */
public final class TestTimelineBuilder {
    private final Tenant tenant;
    private final TimelineId id;
    private final Lsn initdbLsn;
    /** For a branch (Neon's {@code branch_timeline_test_with_layers}): the parent; {@code initdbLsn} is the branch point. */
    private final TimelineId parent;
    private final List<DeltaLayerTestDesc> deltas = new ArrayList<>();
    private final List<ImageLayerTestDesc> images = new ArrayList<>();
    private final List<InMemoryLayerTestDesc> inMemory = new ArrayList<>();
    private Lsn endLsn;

    /**
     * A delta layer to write: the versions {@code data} (any order) of keys in {@code keyRange} at LSNs in
     * {@code [lsnStart, lsnEnd)} (Neon's {@code DeltaLayerTestDesc}).
     */
    public record DeltaLayerTestDesc(KeyRange keyRange, Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data) {
        public DeltaLayerTestDesc {
            Objects.requireNonNull(keyRange, "keyRange");
            Objects.requireNonNull(lsnStart, "lsnStart");
            Objects.requireNonNull(lsnEnd, "lsnEnd");
            data = List.copyOf(data);
        }

        /** Key range {@code [min key, max key + 1)} of {@code data} (Neon's {@code new_with_inferred_key_range}). */
        public static DeltaLayerTestDesc withInferredKeyRange(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data) {
            if (data.isEmpty()) {
                throw new IllegalArgumentException("a delta layer with an inferred key range needs data");
            }
            Key min = data.stream().map(LayerEntry::key).min(Comparator.naturalOrder()).orElseThrow();
            Key max = data.stream().map(LayerEntry::key).max(Comparator.naturalOrder()).orElseThrow();
            return new DeltaLayerTestDesc(new KeyRange(min, max.next()), lsnStart, lsnEnd, data);
        }

        public DeltaLayerName layerName() {
            return new DeltaLayerName(keyRange, lsnStart, lsnEnd);
        }
    }

    /** An image layer to write: the pages of keys in {@code keyRange} at {@code lsn}. */
    public record ImageLayerTestDesc(KeyRange keyRange, Lsn lsn, SortedMap<Key, byte[]> pages) {
        public ImageLayerTestDesc {
            Objects.requireNonNull(keyRange, "keyRange");
            Objects.requireNonNull(lsn, "lsn");
            pages = new TreeMap<>(pages);
        }

        /** Key range {@code [first key, last key + 1)} of {@code pages}, as Neon's {@code force_create_image_layer}. */
        public static ImageLayerTestDesc withInferredKeyRange(Lsn lsn, Map<Key, byte[]> pages) {
            TreeMap<Key, byte[]> sorted = new TreeMap<>(pages);
            if (sorted.isEmpty()) {
                throw new IllegalArgumentException("an image layer with an inferred key range needs pages");
            }
            return new ImageLayerTestDesc(new KeyRange(sorted.firstKey(), sorted.lastKey().next()), lsn, sorted);
        }

        public ImageLayerName layerName() {
            return new ImageLayerName(keyRange, lsn);
        }
    }

    /**
     * An in-memory layer over {@code [lsnStart, lsnEnd)} holding {@code data}; open ({@code lsnEnd} ignored, the
     * layer ends at {@link Lsn#MAX}) or frozen (Neon's {@code InMemoryLayerTestDesc}).
     */
    public record InMemoryLayerTestDesc(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data, boolean isOpen) {
        public InMemoryLayerTestDesc {
            Objects.requireNonNull(lsnStart, "lsnStart");
            Objects.requireNonNull(lsnEnd, "lsnEnd");
            data = List.copyOf(data);
        }
    }

    private TestTimelineBuilder(Tenant tenant, TimelineId id, Lsn initdbLsn, TimelineId parent) {
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.id = Objects.requireNonNull(id, "id");
        this.initdbLsn = Objects.requireNonNull(initdbLsn, "initdbLsn");
        this.parent = parent;
    }

    /** A builder of timeline {@code id} of {@code tenant}, starting at {@code initdbLsn}. */
    public static TestTimelineBuilder create(Tenant tenant, TimelineId id, Lsn initdbLsn) {
        return new TestTimelineBuilder(tenant, id, initdbLsn, null);
    }

    /**
     * A builder of timeline {@code id} branched off {@code parent} at {@code ancestorLsn} (Neon's
     * {@code branch_timeline_test_with_layers}): its layers lie at or above the branch point.
     */
    public static TestTimelineBuilder branch(Tenant tenant, TimelineId parent, TimelineId id, Lsn ancestorLsn) {
        return new TestTimelineBuilder(tenant, id, ancestorLsn, Objects.requireNonNull(parent, "parent"));
    }

    /**
     * Sets the applied GC cutoff of {@code timeline} in memory, without running GC (Neon's unit tests store
     * {@code applied_gc_cutoff_lsn} directly); reads below it are refused from then on.
     */
    public static void forceAppliedGcCutoff(Timeline timeline, Lsn lsn) {
        TimelineStore store = timeline.storeOrNull();
        if (store == null) {
            throw new IllegalStateException(timeline.name() + " has no storage");
        }
        store.forceAppliedGcCutoff(Objects.requireNonNull(lsn, "lsn"));
    }

    public TestTimelineBuilder delta(DeltaLayerTestDesc desc) {
        deltas.add(Objects.requireNonNull(desc, "desc"));
        return this;
    }

    /** A delta layer over {@code keyRange} and {@code [lsnStart, lsnEnd)}. */
    public TestTimelineBuilder delta(KeyRange keyRange, Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data) {
        return delta(new DeltaLayerTestDesc(keyRange, lsnStart, lsnEnd, data));
    }

    /** A delta layer over {@code [lsnStart, lsnEnd)} whose key range is inferred from {@code data}. */
    public TestTimelineBuilder delta(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data) {
        return delta(DeltaLayerTestDesc.withInferredKeyRange(lsnStart, lsnEnd, data));
    }

    public TestTimelineBuilder image(ImageLayerTestDesc desc) {
        images.add(Objects.requireNonNull(desc, "desc"));
        return this;
    }

    /** An image layer over {@code keyRange} at {@code lsn}. */
    public TestTimelineBuilder image(KeyRange keyRange, Lsn lsn, Map<Key, byte[]> pages) {
        return image(new ImageLayerTestDesc(keyRange, lsn, new TreeMap<>(pages)));
    }

    /** An image layer at {@code lsn} whose key range is inferred from {@code pages}. */
    public TestTimelineBuilder image(Lsn lsn, Map<Key, byte[]> pages) {
        return image(ImageLayerTestDesc.withInferredKeyRange(lsn, pages));
    }

    public TestTimelineBuilder inMemory(InMemoryLayerTestDesc desc) {
        inMemory.add(Objects.requireNonNull(desc, "desc"));
        return this;
    }

    /** A frozen in-memory layer over {@code [lsnStart, lsnEnd)}. */
    public TestTimelineBuilder inMemory(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> data) {
        return inMemory(new InMemoryLayerTestDesc(lsnStart, lsnEnd, data, false));
    }

    /** The open in-memory layer, from {@code lsnStart}; it must be the last in-memory layer. */
    public TestTimelineBuilder openInMemory(Lsn lsnStart, List<LayerEntry> data) {
        return inMemory(new InMemoryLayerTestDesc(lsnStart, Lsn.MAX, data, true));
    }

    /**
     * The timeline's last record LSN (Neon's {@code end_lsn}); by default the highest LSN any layer covers (the
     * last LSN of a delta or frozen in-memory layer, an image's LSN, the open layer's largest LSN).
     */
    public TestTimelineBuilder endLsn(Lsn lsn) {
        this.endLsn = Objects.requireNonNull(lsn, "lsn");
        return this;
    }

    /** Checks the description, creates the timeline and writes its layers; emits the timeline. */
    public Mono<Timeline> build() {
        return Mono.defer(() -> {
            List<InMemoryLayerTestDesc> memory = new ArrayList<>(inMemory);
            memory.sort(Comparator.comparing(InMemoryLayerTestDesc::lsnStart));
            Lsn end = endLsn != null ? endLsn : defaultEnd(memory);
            validate(end, memory);
            Mono<Timeline> created = parent == null ? tenant.createTimeline(id, initdbLsn)
                    : tenant.branchTimeline(parent, id, Optional.of(initdbLsn));
            return created.flatMap(t -> {
                TimelineStore store = t.storeOrNull();
                LayerWriteContext ctx = t.writeContext();
                Lsn dcl = initdbLsn;
                for (DeltaLayerTestDesc d : deltas) {
                    dcl = max(dcl, new Lsn(d.lsnEnd().value() - 1));
                }
                for (ImageLayerTestDesc i : images) {
                    dcl = max(dcl, i.lsn());
                }
                if (!memory.isEmpty() && !dcl.isBefore(memory.get(0).lsnStart())) {
                    dcl = max(initdbLsn, memory.get(0).lsnStart().saturatingSub(1));
                }
                Lsn durable = dcl;
                return Flux.concat(Flux.fromIterable(deltas).concatMap(d -> writeDelta(ctx, d)),
                                Flux.fromIterable(images).concatMap(i -> writeImage(ctx, i)))
                        .collectList()
                        .flatMap(written -> store.forceAddHistoric(written, durable))
                        .then(Flux.fromIterable(memory).concatMap(m -> store.forceAddInMemory(m.lsnStart(),
                                m.isOpen() ? Lsn.MAX : m.lsnEnd(), m.data())).then())
                        .then(store.forceAdvanceLsn(end))
                        .thenReturn(t);
            });
        });
    }

    private Lsn defaultEnd(List<InMemoryLayerTestDesc> memory) {
        Lsn end = initdbLsn;
        for (DeltaLayerTestDesc d : deltas) {
            end = max(end, new Lsn(d.lsnEnd().value() - 1));
        }
        for (ImageLayerTestDesc i : images) {
            end = max(end, i.lsn());
        }
        for (InMemoryLayerTestDesc m : memory) {
            if (m.isOpen()) {
                for (LayerEntry e : m.data()) {
                    end = max(end, e.lsn());
                }
            } else {
                end = max(end, new Lsn(m.lsnEnd().value() - 1));
            }
        }
        return end;
    }

    private void validate(Lsn end, List<InMemoryLayerTestDesc> memory) {
        List<LayerName> names = new ArrayList<>();
        for (DeltaLayerTestDesc d : deltas) {
            String what = "delta layer " + d.layerName();
            require(!d.data().isEmpty(), what + " has no data");
            require(!d.lsnStart().isBefore(initdbLsn), what + " starts below the initdb LSN " + initdbLsn);
            require(!d.lsnEnd().isAfter(end.add(1)), what + " ends above the end LSN " + end);
            Set<String> seen = new HashSet<>();
            for (LayerEntry e : d.data()) {
                require(d.keyRange().contains(e.key()), what + ": key " + e.key() + " is outside its key range");
                require(!e.lsn().isBefore(d.lsnStart()) && e.lsn().isBefore(d.lsnEnd()),
                        what + ": " + e.key() + " at " + e.lsn() + " is outside its LSN range");
                require(seen.add(e.key() + "@" + e.lsn()), what + ": " + e.key() + " at " + e.lsn() + " twice");
            }
            names.add(d.layerName());
        }
        for (ImageLayerTestDesc i : images) {
            String what = "image layer " + i.layerName();
            require(!i.pages().isEmpty(), what + " has no pages");
            require(!i.lsn().isBefore(initdbLsn), what + " is below the initdb LSN " + initdbLsn);
            require(!i.lsn().isAfter(end), what + " is above the end LSN " + end);
            for (Key k : i.pages().keySet()) {
                require(i.keyRange().contains(k), what + ": key " + k + " is outside its key range");
            }
            names.add(i.layerName());
        }
        Set<LayerName> unique = new HashSet<>(names);
        require(unique.size() == names.size(), "two layers have the same name");
        Optional<String> invalid = LayerMapChecks.checkValidLayerMap(names);
        invalid.ifPresent(msg -> require(false, "invalid layer map: " + msg));
        Lsn previousEnd = null;
        for (int j = 0; j < memory.size(); j++) {
            InMemoryLayerTestDesc m = memory.get(j);
            String what = "in-memory layer from " + m.lsnStart();
            require(!m.isOpen() || j == memory.size() - 1, "the open " + what + " must be the last in-memory layer");
            require(m.isOpen() || m.lsnStart().isBefore(m.lsnEnd()), what + " has an empty LSN range");
            require(m.lsnStart().isAfter(initdbLsn), what + " must start above the initdb LSN " + initdbLsn);
            require(previousEnd == null || !m.lsnStart().isBefore(previousEnd),
                    what + " overlaps the in-memory layer before it");
            require(m.isOpen() || !m.lsnEnd().isAfter(end.add(1)), what + " ends above the end LSN " + end);
            Set<String> seen = new HashSet<>();
            for (LayerEntry e : m.data()) {
                Value v = Objects.requireNonNull(e.value(), "value");
                require(!e.lsn().isBefore(m.lsnStart()) && (m.isOpen() || e.lsn().isBefore(m.lsnEnd())),
                        what + ": " + e.key() + " at " + e.lsn() + " is outside its LSN range");
                require(!e.lsn().isAfter(end), what + ": " + e.key() + " at " + e.lsn() + " is above the end LSN "
                        + end);
                require(seen.add(e.key() + "@" + e.lsn()), what + ": " + e.key() + " at " + e.lsn() + " twice ("
                        + v + ")");
            }
            previousEnd = m.isOpen() ? Lsn.MAX : m.lsnEnd();
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Mono<WrittenLayer<?>> writeDelta(LayerWriteContext ctx, DeltaLayerTestDesc d) {
        List<LayerEntry> sorted = new ArrayList<>(d.data());
        sorted.sort(Comparator.comparing(LayerEntry::key).thenComparing(LayerEntry::lsn));
        return DeltaLayerWriter.write(ctx, d.keyRange().start(), d.lsnStart(), d.lsnEnd(),
                        w -> Flux.fromIterable(sorted)
                                .concatMap(e -> w.putValue(e.key(), e.lsn(), e.value()))
                                .then(Mono.defer(() -> w.finish(d.keyRange().end()))))
                .map(w -> w);
    }

    private static Mono<WrittenLayer<?>> writeImage(LayerWriteContext ctx, ImageLayerTestDesc i) {
        return ImageLayerWriter.write(ctx, i.keyRange(), i.lsn(), ImageCompressionAlgorithm.DISABLED,
                        w -> Flux.fromIterable(i.pages().entrySet())
                                .concatMap(e -> w.putImage(e.getKey(), e.getValue()))
                                .then(Mono.defer(w::finish)))
                .map(w -> w);
    }
}
