package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The layers of one level of the LSM tree, as {@link IdentifyLevels#identifyLevel} finds them (Neon's
 * {@code Level}).
 *
 * @param lsnRange the LSNs the level spans; no layer crosses either end
 * @param layers   the level's layers, images included
 * @param <K>      key type
 * @param <L>      layer type
 */
public record Level<K, L extends CompactionLayer<K>>(Range<Lsn> lsnRange, List<L> layers) {
    public Level {
        Objects.requireNonNull(lsnRange, "lsnRange");
        layers = List.copyOf(layers);
    }

    /**
     * The number of tiers: the most deltas stacked above the newest image at any key. That is the read
     * amplification compaction exists to bound. Single-key deltas do not count: stacking them is the only way
     * to split one key's history by LSN.
     */
    public long depth(CompactionKey<K> keys) {
        record Event<K>(K key, int layerIdx, boolean start) {
        }
        List<Event<K>> events = new ArrayList<>();
        for (int idx = 0; idx < layers.size(); idx++) {
            L l = layers.get(idx);
            Range<K> keyRange = l.keyRange();
            if (l.isDelta() && keys.compare(keyRange.end(), keys.next(keyRange.start())) == 0) {
                continue;
            }
            events.add(new Event<>(keyRange.start(), idx, true));
            events.add(new Event<>(keyRange.end(), idx, false));
        }
        // Ends before starts at the same key: ranges are half-open.
        events.sort(Comparator.comparing((Event<K> e) -> e.key(), keys).thenComparing(Event::start));

        // Sweep the keys left to right; at each distinct key count the deltas above the newest image.
        record Active(Lsn endLsn, boolean isImage, int idx) {
        }
        TreeSet<Active> activeSet = new TreeSet<>(Comparator.comparing(Active::endLsn)
                .thenComparing(Active::isImage).thenComparingInt(Active::idx));
        long maxDepth = 0;
        for (int i = 0; i < events.size(); i++) {
            Event<K> e = events.get(i);
            L l = layers.get(e.layerIdx());
            Active a = new Active(l.lsnRange().end(), !l.isDelta(), e.layerIdx());
            if (e.start()) {
                activeSet.add(a);
            } else {
                activeSet.remove(a);
            }
            boolean moreEventsAtThisKey = i + 1 < events.size() && keys.compare(events.get(i + 1).key(), e.key()) == 0;
            if (!moreEventsAtThisKey) {
                long activeDepth = 0;
                for (Active x : activeSet.descendingSet()) {
                    if (x.isImage()) {
                        break;
                    }
                    activeDepth++;
                }
                maxDepth = Math.max(maxDepth, activeDepth);
            }
        }
        return maxDepth;
    }
}
