package io.strata.engine.layer;

import java.util.Objects;
import java.util.Optional;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;

/**
 * Name of an image layer: a snapshot of {@code keyRange} at one LSN, {@code <KEYSTART>-<KEYEND>__<LSN>}
 * (FORMAT 5.1). Neon checks no ordering of the keys here, so neither does this. A name at {@link Lsn#MAX} does not
 * parse: its range {@code [L, L+1)} has no end ({@link #lsnEnd} fails; Neon's parser panics on it).
 *
 * @param keyRange the keys the layer covers
 * @param lsn the LSN of the snapshot
 */
public record ImageLayerName(KeyRange keyRange, Lsn lsn) implements LayerName {
    public ImageLayerName {
        Objects.requireNonNull(keyRange, "keyRange");
        Objects.requireNonNull(lsn, "lsn");
    }

    @Override
    public Lsn lsnStart() {
        return lsn;
    }

    /** {@code lsn + 1}: an image at L covers [L, L+1). */
    @Override
    public Lsn lsnEnd() {
        return lsn.add(1);
    }

    @Override
    public boolean isDelta() {
        return false;
    }

    /**
     * Neon's {@code ImageLayerName::parse_str} (FORMAT 5.3); a generation suffix is accepted and dropped.
     * Empty if {@code name} is not an image layer name.
     */
    public static Optional<ImageLayerName> tryParse(String name) {
        String[] parts = NameParts.splitKeysAndLsns(name);
        if (parts == null) {
            return Optional.empty();
        }
        String lsnText = NameParts.stripGeneration(parts[2]); // rejects delta names: "-<16 digits>"
        if (lsnText == null) {
            return Optional.empty();
        }
        Key start = NameParts.keyOrNull(parts[0]);
        Key end = NameParts.keyOrNull(parts[1]);
        Lsn lsn = NameParts.lsnOrNull(lsnText);
        // an image at the largest LSN would fail later in lsnEnd(), far from the name that brought it in
        if (start == null || end == null || lsn == null || lsn.equals(Lsn.MAX)) {
            return Optional.empty();
        }
        return Optional.of(new ImageLayerName(new KeyRange(start, end), lsn));
    }

    /** Name of the file while it is written: {@code <name>.<n hex>.___temp}. */
    public String tempFileName(long disambiguator) {
        return this + "." + Long.toHexString(disambiguator) + "." + TEMP_FILE_SUFFIX;
    }

    @Override
    public String toString() {
        return keyRange + "__" + lsn.toFileNameHex();
    }
}
