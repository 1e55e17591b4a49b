package io.strata.engine.key;

import java.nio.charset.StandardCharsets;

/**
 * Maps an AUX file path (logical replication state kept outside relations) to its sparse key, as Neon's
 * {@code encode_aux_file_key}: {@code [0x62, dir1, dir2, FNV-1a-128(rest)[3..16]]} read as a metadata key.
 * The directory bytes come from the first path components; the hash covers the remainder of the path.
 */
public final class AuxFileKey {
    private static final int DIR_PG_LOGICAL = 0x01;
    private static final int DIR_PG_REPLSLOT = 0x02;
    private static final int DIR_PG_STAT = 0x03;
    private static final int DIR_UNKNOWN = 0xFF;

    private AuxFileKey() {
    }

    /** The key under which Neon stores the AUX file at {@code path}. */
    public static Key encode(String path) {
        if (path.startsWith("pg_logical/mappings/")) {
            return hashed(DIR_PG_LOGICAL, 0x01, path.substring("pg_logical/mappings/".length()));
        } else if (path.startsWith("pg_logical/snapshots/")) {
            return hashed(DIR_PG_LOGICAL, 0x02, path.substring("pg_logical/snapshots/".length()));
        } else if (path.equals("pg_logical/replorigin_checkpoint")) {
            return hashed(DIR_PG_LOGICAL, 0x03, "");
        } else if (path.startsWith("pg_logical/")) {
            return hashed(DIR_PG_LOGICAL, 0xFF, path.substring("pg_logical/".length()));
        } else if (path.startsWith("pg_replslot/")) {
            return hashed(DIR_PG_REPLSLOT, 0x01, path.substring("pg_replslot/".length()));
        } else if (path.startsWith("pg_stat/")) {
            return hashed(DIR_PG_STAT, 0x01, path.substring("pg_stat/".length()));
        } else {
            return hashed(DIR_UNKNOWN, 0xFF, path);
        }
    }

    private static Key hashed(int dir1, int dir2, String rest) {
        byte[] hash = Fnv1a128.hash(rest.getBytes(StandardCharsets.UTF_8));
        byte[] key = new byte[Key.METADATA_KEY_SIZE];
        key[0] = (byte) Key.AUX_KEY_PREFIX;
        key[1] = (byte) dir1;
        key[2] = (byte) dir2;
        System.arraycopy(hash, 3, key, 3, 13);
        return Key.fromMetadataKey(key);
    }
}
