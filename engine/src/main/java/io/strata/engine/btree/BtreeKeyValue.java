package io.strata.engine.btree;

import java.util.Arrays;

/** An owned copy of one entry, for callers that keep entries beyond the flyweight's validity. */
public record BtreeKeyValue(byte[] key, long value) {
    @Override
    public boolean equals(Object o) {
        return o instanceof BtreeKeyValue kv && value == kv.value && Arrays.equals(key, kv.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + Long.hashCode(value);
    }

    @Override
    public String toString() {
        return BtreeFormat.hex(key) + "=" + value;
    }
}
