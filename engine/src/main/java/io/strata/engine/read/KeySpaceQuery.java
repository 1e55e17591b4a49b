package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a vectored get asks for (Neon's {@code VersionedKeySpaceQuery}): key spaces, each at its own LSN
 * (inclusive), so that requests for different keys at different LSNs share one descent through the layers. A key
 * is asked for at one LSN only. Immutable.
 */
public final class KeySpaceQuery {
    private final TreeMap<Lsn, KeySpace> byLsn;

    private KeySpaceQuery(TreeMap<Lsn, KeySpace> byLsn) {
        this.byLsn = byLsn;
    }

    /** Every key of {@code keySpace} at {@code lsn}. */
    public static KeySpaceQuery uniform(KeySpace keySpace, Lsn lsn) {
        checkLsn(lsn, keySpace);
        TreeMap<Lsn, KeySpace> map = new TreeMap<>();
        if (!keySpace.isEmpty()) {
            map.put(lsn, keySpace);
        }
        return new KeySpaceQuery(map);
    }

    private static void checkLsn(Lsn lsn, KeySpace keySpace) {
        if (!lsn.isValid() || lsn.equals(Lsn.MAX)) {
            throw new IllegalArgumentException("invalid LSN " + lsn + " for " + keySpace
                    + ": must be above 0/0 and below " + Lsn.MAX);
        }
    }

    /**
     * Key spaces at their LSNs; parts at the same LSN are merged.
     *
     * @throws IllegalArgumentException if an LSN is 0 or {@link Lsn#MAX}, or if a key is asked for at two LSNs
     */
    public static KeySpaceQuery scattered(List<Part> parts) {
        TreeMap<Lsn, KeySpace> map = new TreeMap<>();
        KeySpace all = KeySpace.empty();
        for (Part p : parts) {
            checkLsn(p.lsn(), p.keySpace());
            if (p.keySpace().isEmpty()) {
                continue;
            }
            KeySpace overlap = all.intersect(p.keySpace());
            KeySpace same = map.getOrDefault(p.lsn(), KeySpace.empty());
            if (!overlap.subtract(same).isEmpty()) {
                throw new IllegalArgumentException("keys " + overlap + " are asked for at more than one LSN");
            }
            map.put(p.lsn(), same.union(p.keySpace()));
            all = all.union(p.keySpace());
        }
        return new KeySpaceQuery(map);
    }

    /** Keys at an LSN. */
    public record Part(Lsn lsn, KeySpace keySpace) {
        public Part {
            Objects.requireNonNull(lsn, "lsn");
            Objects.requireNonNull(keySpace, "keySpace");
        }
    }

    public List<Part> parts() {
        List<Part> out = new ArrayList<>(byLsn.size());
        byLsn.forEach((lsn, ks) -> out.add(new Part(lsn, ks)));
        return out;
    }

    public boolean isEmpty() {
        return byLsn.isEmpty();
    }

    /** All keys asked for. */
    public KeySpace totalKeySpace() {
        KeySpace.Builder b = KeySpace.builder();
        byLsn.values().forEach(b::addAll);
        return b.build();
    }

    /** The highest LSN asked for. */
    public Lsn highWatermarkLsn() {
        if (byLsn.isEmpty()) {
            throw new IllegalStateException("empty query");
        }
        return byLsn.lastKey();
    }

    /** The LSN {@code key} is asked for at. */
    public Lsn lsnFor(Key key) {
        for (var e : byLsn.entrySet()) {
            if (e.getValue().contains(key)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("key " + key + " is not part of the query " + this);
    }

    /** This query without the keys of {@code keys} (Neon's {@code remove_overlapping_with}, returning a copy). */
    public KeySpaceQuery without(KeySpace keys) {
        if (keys.isEmpty()) {
            return this;
        }
        TreeMap<Lsn, KeySpace> map = new TreeMap<>();
        byLsn.forEach((lsn, ks) -> {
            KeySpace rest = ks.subtract(keys);
            if (!rest.isEmpty()) {
                map.put(lsn, rest);
            }
        });
        return new KeySpaceQuery(map);
    }

    /** Every LSN above {@code lsn} lowered to it (descending into an ancestor at its branch point). */
    public KeySpaceQuery lower(Lsn lsn) {
        TreeMap<Lsn, KeySpace> map = new TreeMap<>();
        byLsn.forEach((l, ks) -> map.merge(l.compareTo(lsn) > 0 ? lsn : l, ks, KeySpace::union));
        return new KeySpaceQuery(map);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        byLsn.forEach((lsn, ks) -> sb.append(sb.length() == 0 ? "" : ", ").append(ks).append('@').append(lsn));
        return sb.toString();
    }
}
