package io.strata.engine.compaction.image;

import io.strata.engine.inmemory.InMemoryLayer;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layermap.ImageCoverage;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.GetVectored;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The key space that exists on a timeline at an LSN: Strata's stand-in for Neon's {@code collect_keyspace}.
 *
 * <p>Neon derives the key space from Postgres' directory pages (databases, relations and their sizes, SLRU segments);
 * Strata's values are opaque, so it derives it from the layers instead, with the read path's rules: a key exists at
 * {@code lsn} if a read of it there would find a version. Where an image layer at or below {@code lsn} is the newest
 * image over a key range, the keys there are those of the image plus those with a version above the image's LSN (a
 * key in an image's range that the image lacks does not exist, and reads do not go below the image); elsewhere they
 * are the keys with a version at or below {@code lsn} in the timeline's delta and in-memory layers, and, on a branch,
 * the ancestor's at {@code min(lsn, branch LSN)} except Neon's non-inherited ranges
 * ({@link GetVectored#NOT_INHERITED}).
 *
 * <p>Layer files are immutable, so the keys of each one are listed once ({@code loadKeys}, streamed, adjacent keys
 * coalesced into ranges) and kept for the next collection while the layer is still part of a timeline: memory is
 * proportional to the ranges, not to the keys. Only a delta layer whose LSN range straddles {@code lsn} or an image
 * below the range it serves is scanned again with a filter. In-memory layers are asked directly. One collector per
 * timeline (a branch's collector also caches the ancestor layers it reads); thread-safe.
 */
public final class KeySpaceCollector {
    private static final KeyRange ALL = new KeyRange(Key.MIN, Key.MAX);
    /** The layer map reports coverage in Neon's i128 key form, in which {@link Key#MAX} is this. */
    private static final Key COVERAGE_MAX = Key.fromI128(Key.MAX.toI128Hi(), Key.MAX.toI128Lo());
    /** Layer loads in flight at once. */
    private static final int CONCURRENCY = 4;

    /** Every key of a layer file, by layer object (identity: a layer that left and came back is a new object). */
    private final Map<ReadableLayer, KeySpace> layerKeys = new ConcurrentHashMap<>();

    /**
     * The keys of {@code timeline} at {@code lsn}, split into dense and sparse, read under the timeline's read guard
     * (no layer is closed under the collection).
     */
    public Mono<CollectedKeySpace> collect(Timeline timeline, Lsn lsn) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(lsn, "lsn");
        return timeline.withReadGuard(() -> collect((ReadTimeline) timeline, lsn));
    }

    /** As {@link #collect(Timeline, Lsn)} for any timeline; the caller keeps its layers open meanwhile. */
    public Mono<CollectedKeySpace> collect(ReadTimeline timeline, Lsn lsn) {
        return Mono.defer(() -> {
            Set<ReadableLayer> used = ConcurrentHashMap.newKeySet();
            return collectTimeline(timeline, lsn, KeySpace.single(ALL), used).map(keys -> {
                // layers not reached any more left the timeline (or lie below images): forget them
                layerKeys.keySet().retainAll(used);
                return CollectedKeySpace.of(keys);
            });
        });
    }

    /** Layers whose keys are cached. */
    public int cachedLayers() {
        return layerKeys.size();
    }

    /** Ranges held by the cache (its memory is proportional to this). */
    public long cachedRanges() {
        return layerKeys.values().stream().mapToLong(k -> k.ranges().size()).sum();
    }

    /**
     * A part of the key space and the LSN below which its history is an image's.
     *
     * @param floor the newest image's LSN at or below the collection LSN (versions at or below it are in the
     *              image), or null: no image, everything counts
     * @param image that image's layer name, or null
     */
    private record Segment(KeyRange range, Lsn floor, LayerName image) {
        boolean countsVersionsFrom(Lsn lsnStart) {
            return floor == null || floor.isBefore(lsnStart);
        }
    }

    private Mono<KeySpace> collectTimeline(ReadTimeline timeline, Lsn lsn, KeySpace mask,
                                           Set<ReadableLayer> used) {
        LayerSnapshot snapshot = timeline.layers();
        List<Segment> segments = segments(snapshot.map(), lsn, mask);
        List<Mono<KeySpace>> parts = new ArrayList<>();

        Map<LayerName, KeySpace.Builder> imageRegions = new LinkedHashMap<>();
        KeySpace.Builder withoutImage = KeySpace.builder();
        for (Segment s : segments) {
            if (s.image() == null) {
                withoutImage.add(s.range());
            } else {
                imageRegions.computeIfAbsent(s.image(), n -> KeySpace.builder()).add(s.range());
            }
        }
        for (Map.Entry<LayerName, KeySpace.Builder> e : imageRegions.entrySet()) {
            PersistentLayer image = persistent(snapshot, e.getKey());
            used.add(image);
            KeySpace region = e.getValue().build();
            parts.add(keysOf(image).map(k -> k.intersect(region)));
        }

        for (ReadableLayer layer : snapshot.persistent().values()) {
            PersistentLayer p = (PersistentLayer) layer;
            PersistentLayerDesc d = p.desc();
            if (d.isDelta() && !d.lsnStart().isAfter(lsn)) {
                Mono<KeySpace> keys = deltaKeys(p, segments, lsn, used);
                if (keys != null) {
                    parts.add(keys);
                }
            }
        }

        Lsn ceil = lsn.add(1);
        for (ReadableLayer layer : snapshot.inMemory().values()) {
            if (!(layer instanceof InMemoryLayer m)) {
                return Mono.error(new IllegalStateException(timeline.name() + ": in-memory layer " + layer.describe()
                        + " cannot list its keys"));
            }
            if (m.startLsn().isAfter(lsn)) {
                continue;
            }
            parts.add(Mono.fromSupplier(() -> {
                KeySpace.Builder b = KeySpace.builder();
                for (Segment s : segments) {
                    Lsn floor = s.floor() == null ? Lsn.INVALID : s.floor().add(1);
                    if (!floor.isAfter(lsn)) {
                        b.addAll(m.keySpace(s.range(), floor, ceil));
                    }
                }
                return b.build();
            }));
        }

        var ancestor = timeline.ancestor();
        KeySpace inherited = withoutImage.build().subtract(GetVectored.NOT_INHERITED);
        if (ancestor.isPresent() && !inherited.isEmpty()) {
            Lsn below = ancestor.get().lsn().compareTo(lsn) < 0 ? ancestor.get().lsn() : lsn;
            parts.add(Mono.defer(() -> collectTimeline(ancestor.get().timeline(), below, inherited, used)));
        }
        return Flux.fromIterable(parts).flatMap(m -> m, CONCURRENCY)
                .reduceWith(KeySpace::builder, KeySpace.Builder::addAll)
                // sorting and merging every range is CPU work: off the I/O threads the reads complete on
                .publishOn(Schedulers.parallel())
                .map(KeySpace.Builder::build);
    }

    /**
     * What a delta layer adds: nothing when every version it has is at or below the images over its keys or above
     * {@code lsn}; all its keys (cached) when every version counts; otherwise a filtered scan.
     */
    private Mono<KeySpace> deltaKeys(PersistentLayer delta, List<Segment> segments, Lsn lsn,
                                     Set<ReadableLayer> used) {
        PersistentLayerDesc d = delta.desc();
        Lsn lastVersion = new Lsn(d.lsnEnd().value() - 1);
        Lsn upper = lastVersion.compareTo(lsn) < 0 ? lastVersion : lsn;
        List<Segment> relevant = new ArrayList<>();
        boolean whole = !lastVersion.isAfter(lsn);
        for (Segment s : segments) {
            if (s.range().overlaps(d.keyRange()) && (s.floor() == null || s.floor().isBefore(upper))) {
                relevant.add(s);
                whole &= s.countsVersionsFrom(d.lsnStart());
            }
        }
        if (relevant.isEmpty()) {
            return null;
        }
        if (whole) {
            used.add(delta);
            KeySpace.Builder region = KeySpace.builder();
            relevant.forEach(s -> region.add(s.range()));
            KeySpace r = region.build();
            return keysOf(delta).map(k -> k.intersect(r));
        }
        return delta.reader().flatMap(reader -> ((DeltaLayerReader) reader).loadKeys()
                .reduceWith(() -> new FilteredKeys(relevant, lsn), FilteredKeys::accept)
                .map(FilteredKeys::build));
    }

    /** Every key of a layer file, from the cache or listed once. */
    private Mono<KeySpace> keysOf(PersistentLayer layer) {
        KeySpace cached = layerKeys.get(layer);
        if (cached != null) {
            return Mono.just(cached);
        }
        return layer.reader().flatMap(reader -> {
            Flux<Key> keys = reader instanceof DeltaLayerReader delta
                    ? delta.loadKeys().map(DeltaEntry::key)
                    : ((ImageLayerReader) reader).loadKeys();
            return keys.reduceWith(Ranges::new, Ranges::add).map(Ranges::build);
        }).doOnNext(keys -> layerKeys.put(layer, keys));
    }

    private static PersistentLayer persistent(LayerSnapshot snapshot, LayerName name) {
        ReadableLayer layer = snapshot.persistent().get(name);
        if (layer == null) {
            throw new IllegalStateException("the layer map names " + name + " but the snapshot has no such layer");
        }
        return (PersistentLayer) layer;
    }

    /** The parts of {@code mask} by the newest image layer over them at {@code lsn}, in key order. */
    private static List<Segment> segments(LayerMap map, Lsn lsn, KeySpace mask) {
        List<ImageCoverage> coverage = map.imageCoverage(ALL, lsn);
        List<Segment> out = new ArrayList<>();
        if (coverage.isEmpty()) {
            mask.ranges().forEach(r -> out.add(new Segment(r, null, null)));
            return out;
        }
        for (ImageCoverage c : coverage) {
            Key end = c.range().end().equals(COVERAGE_MAX) ? Key.MAX : c.range().end();
            KeyRange range = new KeyRange(c.range().start(), end);
            if (range.isEmpty()) {
                continue;
            }
            Lsn floor = c.layer().map(PersistentLayerDesc::imageLayerLsn).orElse(null);
            LayerName image = c.layer().map(PersistentLayerDesc::name).orElse(null);
            for (KeyRange r : mask.intersect(KeySpace.single(range)).ranges()) {
                out.add(new Segment(r, floor, image));
            }
        }
        return out;
    }

    /** Keys arriving in ascending order (repeats allowed), coalesced into ranges. */
    private static final class Ranges {
        private final KeySpace.Builder ranges = KeySpace.builder();
        private Key start;
        private Key end;

        Ranges add(Key key) {
            if (end != null && key.compareTo(end) < 0) {
                return this; // another version of the last key
            }
            if (end != null && key.equals(end)) {
                end = key.next();
                return this;
            }
            if (start != null) {
                ranges.add(new KeyRange(start, end));
            }
            start = key;
            end = key.next();
            return this;
        }

        KeySpace build() {
            if (start != null) {
                ranges.add(new KeyRange(start, end));
                start = null;
                end = null;
            }
            return ranges.build();
        }
    }

    /** A delta layer's keys with a version above their segment's image and at or below the LSN. */
    private static final class FilteredKeys {
        private final List<Segment> segments;
        private final Lsn lsn;
        private final Ranges keys = new Ranges();
        private int next;

        FilteredKeys(List<Segment> segments, Lsn lsn) {
            this.segments = segments;
            this.lsn = lsn;
        }

        FilteredKeys accept(DeltaEntry e) {
            while (next < segments.size() && segments.get(next).range().end().compareTo(e.key()) <= 0) {
                next++;
            }
            if (next == segments.size()) {
                return this;
            }
            Segment s = segments.get(next);
            if (s.range().contains(e.key()) && !e.lsn().isAfter(lsn)
                    && (s.floor() == null || e.lsn().isAfter(s.floor()))) {
                keys.add(e.key());
            }
            return this;
        }

        KeySpace build() {
            return keys.build();
        }
    }
}
