package io.strata.engine.layer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;

/** String steps shared by the two layer name parsers, kept to Rust's {@code split_once} semantics. */
final class NameParts {
    static final AtomicLong TEMP_COUNTER = new AtomicLong(1);

    private NameParts() {
    }

    /** {@code (key part, lsn part)} split at the first {@code "__"}, then the key part at its first {@code '-'}. */
    static String[] splitKeysAndLsns(String name) {
        int sep = name.indexOf("__");
        if (sep < 0) {
            return null;
        }
        String keys = name.substring(0, sep);
        int dash = keys.indexOf('-');
        if (dash < 0) {
            return null;
        }
        return new String[] {keys.substring(0, dash), keys.substring(dash + 1), name.substring(sep + 2)};
    }

    /**
     * Strips a generation suffix: splits {@code s} at its first {@code '-'} and keeps the head when the tail
     * starts with {@code v} or is exactly 8 bytes long; null when the tail is anything else.
     */
    static String stripGeneration(String s) {
        int dash = s.indexOf('-');
        if (dash < 0) {
            return s;
        }
        String gen = s.substring(dash + 1);
        if (gen.startsWith("v") || gen.getBytes(StandardCharsets.UTF_8).length == 8) {
            return s.substring(0, dash);
        }
        return null;
    }

    static Key keyOrNull(String hex) {
        try {
            return Key.fromHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Lsn lsnOrNull(String hex) {
        try {
            return Lsn.fromHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
