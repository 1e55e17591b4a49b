package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The in-memory model the read path is checked against (Neon's test {@code Storage}): every (key, LSN) value,
 * and the page at any LSN computed by replaying test records over the newest image, the plain way.
 */
final class PageOracle {
    private final Map<Key, TreeMap<Lsn, Value>> values = new HashMap<>();

    void put(Key key, Lsn lsn, Value value) {
        values.computeIfAbsent(key, k -> new TreeMap<>()).put(lsn, value);
    }

    Optional<Value> value(Key key, Lsn lsn) {
        TreeMap<Lsn, Value> m = values.get(key);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(lsn));
    }

    /** The page at {@code lsn} (inclusive), or empty if the key has no value at or below it. */
    Optional<byte[]> get(Key key, Lsn lsn) {
        TreeMap<Lsn, Value> m = values.get(key);
        if (m == null) {
            return Optional.empty();
        }
        NavigableMap<Lsn, Value> upTo = m.headMap(lsn, true).descendingMap();
        Deque<Value> toApply = new ArrayDeque<>();
        for (Value v : upTo.values()) {
            toApply.push(v);
            if (v.willInit()) {
                break;
            }
        }
        if (toApply.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream page = new ByteArrayOutputStream();
        for (Value v : toApply) {
            if (v instanceof Value.Image img) {
                page.reset();
                page.writeBytes(img.bytes());
            } else {
                NeonWalRecord.Test t = (NeonWalRecord.Test) ((Value.WalRecord) v).record();
                if (t.clear()) {
                    page.reset();
                }
                page.writeBytes(t.append().getBytes(StandardCharsets.UTF_8));
            }
        }
        return Optional.of(page.toByteArray());
    }
}
