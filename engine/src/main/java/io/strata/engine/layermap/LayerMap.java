package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Neon's {@code LayerMap}: which layers a timeline has, and which one a read of a key at an LSN goes to next.
 *
 * <p><b>Immutable.</b> Every change returns a new map and existing instances never change, so a reader keeps the
 * version it started with while writers publish new ones (in a volatile field or an {@code AtomicReference}).
 * Instances are safely shared between threads.
 *
 * <p>Historic (on-disk) layers are indexed by a versioned coverage ({@link HistoricLayerCoverage}): for each LSN
 * at which layers start, the newest image and newest delta layer at every key, kept as persistent trees that
 * share structure between versions. A search picks the version below its LSN by binary search, then looks up
 * the key in it: O(log n). Changes go through {@link #batchUpdate()}, whose flush rebuilds the versions from the
 * lowest changed LSN upwards, as Neon's.
 *
 * <p>Keys are compared in Neon's i128 form ({@link Key#toI128Hi()}), so keys whose field2 does not fit it are
 * refused with an {@link IllegalStateException} where Neon panics, and key ranges reported back (coverage
 * boundaries) are in that form: {@link Key#MAX} comes back as {@code 7F0000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF}.
 * Where Neon computes {@code end_lsn - 1} it wraps as Neon's release build does.
 *
 * <p>In-memory layers are described by {@link InMemoryLayerDesc}: at most one open layer, then frozen layers
 * oldest first, all newer than any historic layer.
 */
public final class LayerMap {
    /** No layers at all. */
    public static final LayerMap EMPTY = new LayerMap(BufferedHistoricLayerCoverage.empty(), List.of(), null, null,
            List.of());

    private final BufferedHistoricLayerCoverage<PersistentLayerDesc> historic;
    /**
     * L0 deltas cover the whole key range, which makes them slow to find in the coverage; kept here too, in
     * insertion order.
     */
    private final List<PersistentLayerDesc> l0DeltaLayers;
    private final InMemoryLayerDesc openLayer;
    /** Where the next open layer starts, while there is none. */
    private final Lsn nextOpenLayerAt;
    /** Oldest first. */
    private final List<InMemoryLayerDesc> frozenLayers;

    private LayerMap(BufferedHistoricLayerCoverage<PersistentLayerDesc> historic,
                     List<PersistentLayerDesc> l0DeltaLayers, InMemoryLayerDesc openLayer, Lsn nextOpenLayerAt,
                     List<InMemoryLayerDesc> frozenLayers) {
        this.historic = historic;
        this.l0DeltaLayers = l0DeltaLayers;
        this.openLayer = openLayer;
        this.nextOpenLayerAt = nextOpenLayerAt;
        this.frozenLayers = frozenLayers;
    }

    // ---------------------------------------------------------------- search

    /**
     * Neon's {@code search}: the layer to read next for {@code key} below {@code endLsn} (exclusive), and the
     * lowest LSN to read from it. The caller reads that layer from {@code lsnFloor} up and searches again with
     * {@code lsnFloor} as {@code endLsn}, until it reaches an image or nothing is left.
     *
     * <p>Among the newest delta, the newest image (by LSN end) and the in-memory layer that hold LSNs below
     * {@code endLsn}, images win over deltas and deltas over in-memory layers where they overlap; an image just
     * below {@code endLsn} always wins; a delta overlapping a lower image is read only down to above the image.
     */
    public Optional<SearchResult> search(Key key, Lsn endLsn) {
        InMemoryLayerDesc inMemory = searchInMemoryLayerOrNull(endLsn);
        LayerCoverageTuple<PersistentLayerDesc> version = historic.get().getVersion(endLsn.value() - 1);
        if (version == null) {
            return inMemory == null ? Optional.empty()
                    : Optional.of(new SearchResult(new LayerRef.InMemory(inMemory), inMemory.lsnStart()));
        }
        Key k = LayerKey.coverageKey(key);
        PersistentLayerDesc latestDelta = version.deltaCoverage().query(k);
        PersistentLayerDesc latestImage = version.imageCoverage().query(k);
        return Optional.ofNullable(selectLayer(latestDelta, latestImage, inMemory, endLsn));
    }

    /**
     * Neon's {@code select_layer}: picks from the first delta, image and in-memory layer over a key (any may be
     * null), image over delta over in-memory; null if all are.
     */
    static SearchResult selectLayer(PersistentLayerDesc delta, PersistentLayerDesc image, InMemoryLayerDesc inMemory,
                                    Lsn endLsn) {
        if (delta != null && !delta.isDelta()) {
            throw new IllegalArgumentException("not a delta layer: " + delta);
        }
        if (image != null && image.isDelta()) {
            throw new IllegalArgumentException("not an image layer: " + image);
        }
        if (inMemory == null) {
            if (delta == null && image == null) {
                return null;
            }
            if (delta == null) {
                return persistent(image, image.lsnStart());
            }
            if (image == null) {
                return persistent(delta, delta.lsnStart());
            }
            long imgLsn = image.lsnStart().value();
            boolean imageIsNewer = image.lsnEnd().compareTo(delta.lsnEnd()) >= 0;
            boolean imageExactMatch = imgLsn + 1 == endLsn.value();
            if (imageIsNewer || imageExactMatch) {
                return persistent(image, image.lsnStart());
            }
            // the delta overlaps the image in LSN: read it only down to above the image
            return persistent(delta, max(delta.lsnStart(), new Lsn(imgLsn + 1)));
        }
        if (delta == null && image == null) {
            return inMemory(inMemory, inMemory.lsnStart());
        }
        if (delta == null) {
            long imgLsn = image.lsnStart().value();
            boolean imageIsNewer = image.lsnEnd().compareTo(inMemory.lsnEnd()) >= 0;
            boolean imageExactMatch = imgLsn + 1 == endLsn.value();
            if (imageIsNewer || imageExactMatch) {
                return persistent(image, image.lsnStart());
            }
            return inMemory(inMemory, max(inMemory.lsnStart(), new Lsn(imgLsn + 1)));
        }
        if (image == null) {
            // overlapping delta and in-memory layers are not a valid state; handled for completeness
            Lsn deltaEnd = delta.lsnEnd();
            boolean deltaIsNewer = deltaEnd.compareTo(inMemory.lsnEnd()) >= 0;
            boolean deltaExactMatch = deltaEnd.equals(endLsn);
            if (deltaIsNewer || deltaExactMatch) {
                return persistent(delta, delta.lsnStart());
            }
            return inMemory(inMemory, max(inMemory.lsnStart(), deltaEnd));
        }
        // all three: the persistent choice first, then how the in-memory layer overlaps it
        SearchResult persistentRes = selectLayer(delta, image, null, endLsn);
        PersistentLayerDesc persistentL = ((LayerRef.Persistent) persistentRes.layer()).desc();
        SearchResult inMemoryRes = persistentL.isDelta() ? selectLayer(persistentL, null, inMemory, endLsn)
                : selectLayer(null, persistentL, inMemory, endLsn);
        return new SearchResult(inMemoryRes.layer(), max(persistentRes.lsnFloor(), inMemoryRes.lsnFloor()));
    }

    private static SearchResult persistent(PersistentLayerDesc layer, Lsn floor) {
        return new SearchResult(new LayerRef.Persistent(layer), floor);
    }

    private static SearchResult inMemory(InMemoryLayerDesc layer, Lsn floor) {
        return new SearchResult(new LayerRef.InMemory(layer), floor);
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Neon's {@code range_search} ({@code RangeSearchResult.found}): for every key of {@code range}, what
     * {@link #search} would answer at {@code endLsn}, grouped by answer (unmodifiable). Keys with no answer are
     * left out.
     */
    public Map<SearchResult, KeySpace> rangeSearch(KeyRange range, Lsn endLsn) {
        InMemoryLayerDesc inMemory = searchInMemoryLayerOrNull(endLsn);
        LayerCoverageTuple<PersistentLayerDesc> version = historic.get().getVersion(endLsn.value() - 1);
        if (version == null) {
            if (inMemory == null) {
                return Map.of();
            }
            return Map.of(new SearchResult(new LayerRef.InMemory(inMemory), inMemory.lsnStart()),
                    KeySpace.builder().add(range).build());
        }
        Key start = LayerKey.coverageKey(range.start());
        Key end = LayerKey.coverageKey(range.end());
        return new RangeSearchCollector(range, endLsn, inMemory, version.deltaCoverage().rangeOverlaps(start, end),
                version.imageCoverage().rangeOverlaps(start, end)).collect();
    }

    // ---------------------------------------------------------------- updates

    /** Starts a batch of historic layer insertions and removals; its {@code flush()} returns the new map. */
    public BatchedUpdates batchUpdate() {
        return new BatchedUpdates(this);
    }

    BufferedHistoricLayerCoverage<PersistentLayerDesc> historic() {
        return historic;
    }

    LayerMap withHistoric(BufferedHistoricLayerCoverage<PersistentLayerDesc> h, List<PersistentLayerDesc> l0) {
        return new LayerMap(h, l0, openLayer, nextOpenLayerAt, frozenLayers);
    }

    /**
     * This map with a new open layer, which ends at {@link Lsn#MAX}; {@link #nextOpenLayerAt()} becomes empty.
     *
     * @throws IllegalStateException if there is an open layer already
     * @throws IllegalArgumentException if {@code open} does not end at {@link Lsn#MAX}
     */
    public LayerMap withOpenLayer(InMemoryLayerDesc open) {
        Objects.requireNonNull(open, "open");
        if (openLayer != null) {
            throw new IllegalStateException("cannot open " + open + ": " + openLayer + " is still open");
        }
        if (!open.lsnEnd().equals(Lsn.MAX)) {
            throw new IllegalArgumentException("an open layer ends at Lsn.MAX, got " + open.lsnEnd() + " for " + open);
        }
        return new LayerMap(historic, l0DeltaLayers, open, null, frozenLayers);
    }

    /**
     * This map with the open layer frozen at {@code endLsn} (exclusive) as the newest frozen layer; the next open
     * layer is to start at {@code endLsn}.
     *
     * @throws IllegalStateException if there is no open layer
     * @throws IllegalArgumentException if {@code endLsn} is not above the open layer's start
     */
    public LayerMap freezeOpenLayer(Lsn endLsn) {
        Objects.requireNonNull(endLsn, "endLsn");
        if (openLayer == null) {
            throw new IllegalStateException("no open layer to freeze");
        }
        if (endLsn.compareTo(openLayer.lsnStart()) <= 0) {
            throw new IllegalArgumentException("cannot freeze " + openLayer + " at " + endLsn
                    + ": not above its start");
        }
        List<InMemoryLayerDesc> frozen = new ArrayList<>(frozenLayers);
        frozen.add(new InMemoryLayerDesc(openLayer.id(), openLayer.lsnStart(), endLsn));
        return new LayerMap(historic, l0DeltaLayers, null, endLsn, List.copyOf(frozen));
    }

    /**
     * This map without its oldest frozen layer, once that layer was written to disk (usually right after a batch
     * that inserted the written layers, publishing only the result).
     *
     * @throws IllegalStateException if there is no frozen layer
     * @throws IllegalArgumentException if the oldest frozen layer's id is not {@code expectedId}
     */
    public LayerMap withoutOldestFrozenLayer(long expectedId) {
        if (frozenLayers.isEmpty()) {
            throw new IllegalStateException("no frozen layer to remove (expected id " + expectedId + ")");
        }
        InMemoryLayerDesc oldest = frozenLayers.get(0);
        if (oldest.id() != expectedId) {
            throw new IllegalArgumentException("the oldest frozen layer is " + oldest + ", not id " + expectedId);
        }
        return new LayerMap(historic, l0DeltaLayers, openLayer, nextOpenLayerAt,
                frozenLayers.subList(1, frozenLayers.size()));
    }

    // ---------------------------------------------------------------- in-memory layers

    public Optional<InMemoryLayerDesc> openLayer() {
        return Optional.ofNullable(openLayer);
    }

    /** Frozen layers, oldest first. */
    public List<InMemoryLayerDesc> frozenLayers() {
        return frozenLayers;
    }

    /** Where the next open layer is to start, while there is no open layer (and after a freeze). */
    public Optional<Lsn> nextOpenLayerAt() {
        return Optional.ofNullable(nextOpenLayerAt);
    }

    /**
     * Neon's {@code search_in_memory_layer}: the newest in-memory layer (open, else frozen newest first) that
     * starts below {@code below}.
     */
    public Optional<InMemoryLayerDesc> searchInMemoryLayer(Lsn below) {
        return Optional.ofNullable(searchInMemoryLayerOrNull(below));
    }

    private InMemoryLayerDesc searchInMemoryLayerOrNull(Lsn below) {
        if (openLayer != null && below.compareTo(openLayer.lsnStart()) > 0) {
            return openLayer;
        }
        for (int i = frozenLayers.size() - 1; i >= 0; i--) {
            InMemoryLayerDesc l = frozenLayers.get(i);
            if (below.compareTo(l.lsnStart()) > 0) {
                return l;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- questions for GC and compaction

    /**
     * Neon's {@code image_layer_exists}: whether image layers starting at or above {@code lsnStart} and below
     * {@code lsnEnd} (exclusive) together cover all of {@code key}, as the newest images there. True for an
     * empty key range. Used by GC to decide whether an old layer can go.
     */
    public boolean imageLayerExists(KeyRange key, Lsn lsnStart, Lsn lsnEnd) {
        if (key.isEmpty()) {
            return true;
        }
        LayerCoverageTuple<PersistentLayerDesc> version = historic.get().getVersion(lsnEnd.value() - 1);
        if (version == null) {
            return false;
        }
        Key start = LayerKey.coverageKey(key.start());
        Key end = LayerKey.coverageKey(key.end());
        if (!covers(version.imageCoverage().query(start), lsnStart)) {
            return false;
        }
        for (LayerCoverage.Change<PersistentLayerDesc> c : version.imageCoverage().range(start, end)) {
            if (!covers(c.value(), lsnStart)) {
                return false;
            }
        }
        return true;
    }

    private static boolean covers(PersistentLayerDesc layer, Lsn lsnStart) {
        return layer != null && layer.lsnStart().compareTo(lsnStart) >= 0;
    }

    /** All historic layers in the map's order (LSN start, LSN end, key range, delta before image). */
    public Collection<PersistentLayerDesc> historicLayers() {
        return historic.iter();
    }

    public int historicLayerCount() {
        return historic.len();
    }

    /** Whether this layer (by key range, LSN range and kind) is in the map. */
    public boolean containsHistoric(PersistentLayerDesc layer) {
        return historic.layer(LayerKey.of(layer)) != null;
    }

    /**
     * Neon's {@code image_coverage}: {@code range} divided into parts by the newest image layer over each at
     * {@code lsn} (inclusive), or none; empty if no layer starts at or below {@code lsn}. Used to create new
     * image layers. Part boundaries are in the i128 form (see the class comment), and as in Neon a coverage
     * change right at the range's start gives an empty first part.
     */
    public List<ImageCoverage> imageCoverage(KeyRange range, Lsn lsn) {
        LayerCoverageTuple<PersistentLayerDesc> version = historic.get().getVersion(lsn.value());
        if (version == null) {
            return List.of();
        }
        Key start = LayerKey.coverageKey(range.start());
        Key end = LayerKey.coverageKey(range.end());
        List<ImageCoverage> coverage = new ArrayList<>();
        Key currentKey = start;
        PersistentLayerDesc currentVal = version.imageCoverage().query(start);
        for (LayerCoverage.Change<PersistentLayerDesc> c : version.imageCoverage().range(start, end)) {
            coverage.add(new ImageCoverage(new KeyRange(currentKey, c.key()), Optional.ofNullable(currentVal)));
            currentKey = c.key();
            currentVal = c.value();
        }
        coverage.add(new ImageCoverage(new KeyRange(currentKey, end), Optional.ofNullable(currentVal)));
        return coverage;
    }

    /** Neon's {@code is_l0}: a delta over {@code [Key.MIN, Key.MAX)}. */
    public static boolean isL0(KeyRange range, boolean isDelta) {
        return isDelta && range.equals(KeyRange.FULL);
    }

    /**
     * Neon's {@code is_reimage_worthy}: whether a delta counts in {@link #countDeltas} for a partition. Non-L0
     * layers always do; an L0 only when the partition is the whole key space, since only then could few images
     * replace it.
     */
    public static boolean isReimageWorthy(PersistentLayerDesc layer, KeyRange partitionRange) {
        if (!isL0(layer.keyRange(), layer.isDelta())) {
            return true;
        }
        return partitionRange.equals(KeyRange.FULL);
    }

    /**
     * Neon's {@code count_deltas}: the height of the tallest stack of reimage-worthy deltas in the region of
     * {@code key} by {@code [lsnStart, lsnEnd)}, counting at most {@code limit}. Compaction creates images where
     * this gets large. Recurses under each newest delta, so the depth is bounded by the answer.
     *
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    public int countDeltas(KeyRange key, Lsn lsnStart, Lsn lsnEnd, OptionalInt limit) {
        if (limit.isPresent() && limit.getAsInt() < 0) {
            throw new IllegalArgumentException("negative count_deltas limit " + limit.getAsInt());
        }
        if (lsnStart.compareTo(lsnEnd) >= 0 || key.isEmpty() || (limit.isPresent() && limit.getAsInt() == 0)) {
            return 0;
        }
        LayerCoverageTuple<PersistentLayerDesc> version = historic.get().getVersion(lsnEnd.value() - 1);
        if (version == null) {
            return 0;
        }
        Key start = LayerKey.coverageKey(key.start());
        Key end = LayerKey.coverageKey(key.end());
        int maxStackedDeltas = 0;
        Key currentKey = start;
        PersistentLayerDesc currentVal = version.deltaCoverage().query(start);
        for (LayerCoverage.Change<PersistentLayerDesc> c : version.deltaCoverage().range(start, end)) {
            maxStackedDeltas = Math.max(maxStackedDeltas, stackUnder(currentVal, new KeyRange(currentKey, c.key()),
                    key, lsnStart, limit));
            currentKey = c.key();
            currentVal = c.value();
        }
        return Math.max(maxStackedDeltas, stackUnder(currentVal, new KeyRange(currentKey, end), key, lsnStart,
                limit));
    }

    /** One part of {@link #countDeltas}: the newest delta {@code val} over {@code kr}, and what lies under it. */
    private int stackUnder(PersistentLayerDesc val, KeyRange kr, KeyRange key, Lsn lsnStart, OptionalInt limit) {
        if (val == null || val.lsnEnd().compareTo(lsnStart) <= 0 || kr.isEmpty()) {
            return 0;
        }
        int baseCount = isReimageWorthy(val, key) ? 1 : 0;
        OptionalInt newLimit = limit.isPresent() ? OptionalInt.of(limit.getAsInt() - baseCount) : limit;
        return baseCount + countDeltas(kr, lsnStart, val.lsnStart(), newLimit);
    }

    /** All L0 delta layers, in the order they were inserted. */
    public List<PersistentLayerDesc> level0Deltas() {
        return l0DeltaLayers;
    }

    /**
     * Neon's {@code get_visibility}: which historic layers reads at {@code readPoints} (the timeline's tip and its
     * branch points) can reach, sweeping from the newest LSN down. O(n log n): for occasional use.
     */
    public Visibility getVisibility(List<Lsn> readPoints) {
        return LayerVisibility.compute(historic.iter(), readPoints);
    }

    /**
     * Neon's {@code compute_image_consistent_lsn} (from Hadron): the highest LSN below which every page has an
     * image, given {@code diskConsistentLsn}.
     */
    public Lsn computeImageConsistentLsn(Lsn diskConsistentLsn) {
        return ImageConsistentLsn.compute(this, diskConsistentLsn);
    }

    @Override
    public String toString() {
        return "LayerMap[" + historic.len() + " historic layers (" + l0DeltaLayers.size() + " L0), open "
                + (openLayer == null ? "none" : openLayer) + ", " + frozenLayers.size() + " frozen]";
    }
}
