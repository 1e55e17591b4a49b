package io.strata.engine.compaction.image;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import java.util.Objects;

/**
 * What {@link KeySpaceCollector#collect} found: the keys that exist at an LSN, split as Neon's
 * {@code collect_keyspace} splits them.
 *
 * @param dense  keys outside the metadata range: a missing one is an error on read
 * @param sparse metadata keys ({@link Key#isMetadataKey()}): a missing one is absent
 */
public record CollectedKeySpace(KeySpace dense, KeySpace sparse) {
    /** Neon's {@code Key::metadata_key_range}. */
    public static final KeyRange METADATA_KEY_RANGE = new KeyRange(
            new Key(Key.METADATA_KEY_BEGIN_PREFIX, 0, 0, 0, 0, 0), new Key(Key.METADATA_KEY_END_PREFIX, 0, 0, 0, 0, 0));
    private static final KeySpace METADATA = KeySpace.single(METADATA_KEY_RANGE);

    public CollectedKeySpace {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(sparse, "sparse");
    }

    /** Splits {@code keys} into dense and sparse. */
    public static CollectedKeySpace of(KeySpace keys) {
        return new CollectedKeySpace(keys.subtract(METADATA), keys.intersect(METADATA));
    }

    /** Both. */
    public KeySpace all() {
        return dense.union(sparse);
    }
}
