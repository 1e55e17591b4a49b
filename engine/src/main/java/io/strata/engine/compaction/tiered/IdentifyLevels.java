package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neon's {@code identify_levels.rs}. An LSM tree has levels, each exponentially taller (in LSNs) than the
 * previous, and each level holds several tiers; tiered compaction compacts a level once it has more than
 * {@code fanout} tiers, forming one tier of the next level. Levels are not recorded anywhere: they are recognised
 * from the shapes of the layers. Misjudging a level only delays compaction work or does some unnecessary work.
 *
 * <p>A consequence: small L0 deltas (flushed by timeout, say) are combined into one larger file, and if that is
 * still below the target size it is again counted as L0 the next time.
 */
public final class IdentifyLevels {
    private static final Logger log = LoggerFactory.getLogger(IdentifyLevels.class);

    private IdentifyLevels() {
    }

    /**
     * Finds the level directly below {@code endLsn}: the largest LSN range {@code [start, endLsn)} such that no
     * delta layer crosses {@code start} and every delta in it spans at most {@code lsnMaxSize} LSNs
     * ({@code identify_level}). Layers above {@code endLsn} are ignored; images exactly at it are included.
     *
     * @param lsnMaxSize the LSN height limit of one layer of the level, as a u64
     * @return the level, or empty if no layer fits
     * @throws IllegalArgumentException if a layer crosses {@code endLsn}: the caller passed a bogus LSN
     */
    public static <K, L extends CompactionLayer<K>> Optional<Level<K, L>> identifyLevel(List<L> allLayers, Lsn endLsn,
                                                                                       long lsnMaxSize) {
        List<L> layers = new ArrayList<>();
        for (L l : allLayers) {
            Range<Lsn> r = l.lsnRange();
            if (r.start().isBefore(endLsn) && r.end().isAfter(endLsn)) {
                throw new IllegalArgumentException("identifyLevel() called with end_lsn that does not partition the"
                        + " LSN space: end_lsn " + endLsn + " intersects with layer " + l.shortId());
            }
            boolean isImage = !l.isDelta();
            if (isImage ? r.start().isAfter(endLsn) : r.start().compareTo(endLsn) >= 0) {
                continue;
            }
            layers.add(l);
        }
        log.debug("identify level at {}, size {}, num layers below: {}", endLsn, Long.toUnsignedString(lsnMaxSize),
                layers.size());
        if (layers.isEmpty()) {
            return Optional.empty();
        }

        // Walk the layers downwards from end_lsn, newest end first (a stable sort, as Rust's).
        layers.sort(Comparator.comparing((L l) -> l.lsnRange().end()));
        Lsn candidateStartLsn = endLsn;
        List<L> candidateLayers = new ArrayList<>();
        Lsn currentBestStartLsn = endLsn;
        List<L> currentBestLayers = new ArrayList<>();
        boolean stopped = false;
        for (int i = layers.size() - 1; i >= 0; i--) {
            L l = layers.get(i);
            Range<Lsn> r = l.lsnRange();
            // Image layers don't restrict the choice of the cutoff LSN.
            if (l.isDelta()) {
                // No delta crosses the candidate and every layer within candidate..end_lsn has been seen: the
                // candidate is workable.
                if (r.end().compareTo(candidateStartLsn) <= 0) {
                    currentBestStartLsn = r.end();
                    currentBestLayers.addAll(candidateLayers);
                    candidateLayers.clear();
                    candidateStartLsn = r.start();
                }
                long height = r.end().value() - r.start().value();
                if (Long.compareUnsigned(height, lsnMaxSize) > 0) {
                    log.trace("too large {}, size {} vs {}", l.shortId(), height, lsnMaxSize);
                    stopped = true; // belongs to the next level
                    break;
                }
                // It crosses the candidate: push the candidate down.
                if (r.start().isBefore(candidateStartLsn)) {
                    candidateStartLsn = r.start();
                }
            }
            candidateLayers.add(l);
        }
        if (!stopped) {
            // Reached the bottom: accept the last candidate.
            currentBestStartLsn = candidateStartLsn;
            currentBestLayers.addAll(candidateLayers);
        }
        if (currentBestStartLsn.equals(endLsn)) {
            return Optional.empty();
        }
        return Optional.of(new Level<>(new Range<>(currentBestStartLsn, endLsn), currentBestLayers));
    }
}
