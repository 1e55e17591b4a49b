package io.strata.engine.layer;

import java.util.Objects;
import java.util.Optional;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;

/**
 * Name of a delta layer: the changes to {@code keyRange} in {@code [lsnStart, lsnEnd)},
 * {@code <KEYSTART>-<KEYEND>__<LSNSTART>-<LSNEND>} (FORMAT 5.1). Both ranges must be non-empty, since Neon's
 * parser rejects names where they are not.
 *
 * @param keyRange the keys the layer covers
 * @param lsnStart inclusive
 * @param lsnEnd exclusive
 */
public record DeltaLayerName(KeyRange keyRange, Lsn lsnStart, Lsn lsnEnd) implements LayerName {
    public DeltaLayerName {
        Objects.requireNonNull(keyRange, "keyRange");
        Objects.requireNonNull(lsnStart, "lsnStart");
        Objects.requireNonNull(lsnEnd, "lsnEnd");
        if (keyRange.isEmpty()) {
            throw new IllegalArgumentException("delta layer key range is empty: " + keyRange);
        }
        if (lsnStart.compareTo(lsnEnd) >= 0) {
            throw new IllegalArgumentException("delta layer LSN range is empty: " + lsnStart + ".." + lsnEnd);
        }
    }

    @Override
    public boolean isDelta() {
        return true;
    }

    /** An L0 delta: it covers the whole key range {@code [MIN, MAX)}. */
    public boolean isL0() {
        return keyRange.equals(KeyRange.FULL);
    }

    /**
     * Neon's {@code DeltaLayerName::parse_str} (FORMAT 5.3); a generation suffix is accepted and dropped.
     * Empty if {@code name} is not a delta layer name.
     */
    public static Optional<DeltaLayerName> tryParse(String name) {
        String[] parts = NameParts.splitKeysAndLsns(name);
        if (parts == null) {
            return Optional.empty();
        }
        String lsns = parts[2];
        int dash = lsns.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String lsnEndText = NameParts.stripGeneration(lsns.substring(dash + 1));
        if (lsnEndText == null) {
            return Optional.empty();
        }
        Key start = NameParts.keyOrNull(parts[0]);
        Key end = NameParts.keyOrNull(parts[1]);
        Lsn lsnStart = NameParts.lsnOrNull(lsns.substring(0, dash));
        Lsn lsnEnd = NameParts.lsnOrNull(lsnEndText);
        if (start == null || end == null || lsnStart == null || lsnEnd == null
                || lsnStart.compareTo(lsnEnd) >= 0 || start.compareTo(end) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new DeltaLayerName(new KeyRange(start, end), lsnStart, lsnEnd));
    }

    /**
     * Name of a delta file while it is written, when its end key is not known yet:
     * {@code <KEYSTART>-XXX__<LSNSTART>-<LSNEND>.<n hex>.___temp}.
     */
    public static String tempFileName(Key keyStart, Lsn lsnStart, Lsn lsnEnd, long disambiguator) {
        return keyStart + "-XXX__" + lsnStart.toFileNameHex() + "-" + lsnEnd.toFileNameHex() + "."
                + Long.toHexString(disambiguator) + "." + TEMP_FILE_SUFFIX;
    }

    @Override
    public String toString() {
        return keyRange + "__" + lsnStart.toFileNameHex() + "-" + lsnEnd.toFileNameHex();
    }
}
