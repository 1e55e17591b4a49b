package io.strata.examples.layer;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.Generation;

/** Parsing of the option values the layer commands share; errors name the option. */
final class Options {
    private Options() {
    }

    static TenantId tenant(String s) {
        try {
            return TenantId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException("--tenant: " + e.getMessage(), e);
        }
    }

    static TimelineId timeline(String s) {
        try {
            return TimelineId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException("--timeline: " + e.getMessage(), e);
        }
    }

    static Key key(String option, String s) {
        try {
            return Key.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException(option + ": " + e.getMessage(), e);
        }
    }

    /** {@code START-END}, non-empty. */
    static KeyRange keyRange(String option, String s) {
        KeyRange r;
        try {
            r = KeyRange.parse(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException(option + ": " + e.getMessage(), e);
        }
        if (r.isEmpty()) {
            throw new LayerCliException(option + ": key range " + LayerJson.describe(r) + " is empty");
        }
        return r;
    }

    static Lsn lsn(String option, String s) {
        try {
            return Lsn.parse(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException(option + ": " + e.getMessage(), e);
        }
    }

    /** {@code X/X-X/X}, start below end. */
    static Lsn[] lsnRange(String option, String s) {
        int dash = s.indexOf('-');
        if (dash < 0) {
            throw new LayerCliException(option + ": invalid LSN range '" + s + "': expected START-END (X/X-X/X)");
        }
        Lsn start = lsn(option, s.substring(0, dash));
        Lsn end = lsn(option, s.substring(dash + 1));
        if (start.compareTo(end) >= 0) {
            throw new LayerCliException(option + ": LSN range [" + start + ", " + end + ") is empty");
        }
        return new Lsn[] {start, end};
    }

    /** Exactly 8 hex digits, as in {@code -v1-<gen>}. */
    static Generation generation(String s) {
        if (!s.matches("[0-9a-fA-F]{8}")) {
            throw new LayerCliException("--generation: expected 8 hex digits, got '" + s + "'");
        }
        return Generation.of((int) Long.parseLong(s, 16));
    }

    /** {@code none} (also Neon's {@code disabled}), {@code zstd} or {@code zstd(N)}. */
    static ImageCompressionAlgorithm compression(String s) {
        if (s.equals("none")) {
            return ImageCompressionAlgorithm.DISABLED;
        }
        try {
            return ImageCompressionAlgorithm.parse(s);
        } catch (IllegalArgumentException e) {
            throw new LayerCliException("--compression: expected none, zstd or zstd(N), got '" + s + "'", e);
        }
    }

    /** {@code NUMBER/COUNT/STRIPE}, each decimal or {@code 0x} hex; the stripe is in pages. */
    static ShardIdentity shard(String s) {
        String[] parts = s.split("/", -1);
        if (parts.length != 3) {
            throw new LayerCliException("--shard: expected NUMBER/COUNT/STRIPE, got '" + s + "'");
        }
        try {
            return ShardIdentity.of(number(parts[0]), number(parts[1]), number(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new LayerCliException("--shard " + s + ": " + e.getMessage(), e);
        }
    }

    private static int number(String s) {
        try {
            long v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16)
                    : Long.parseLong(s);
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("'" + s + "' is not a u32");
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number", e);
        }
    }
}
