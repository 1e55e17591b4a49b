package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;

/** Neon's test values (images of UTF-8 text and its {@code wal_*} test records) in the retention's shapes. */
final class RetentionTestValues {
    /** The key of Neon's {@code test_generate_key_retention}. */
    static final Key KEY = Key.fromHex("010000000033333333444444445500000000");

    private RetentionTestValues() {
    }

    static Lsn lsn(long v) {
        return Lsn.of(v);
    }

    static Value img(String s) {
        return new Value.Image(s.getBytes(StandardCharsets.UTF_8));
    }

    static Value append(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walAppend(s));
    }

    static Value init(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walInit(s));
    }

    static Value clear(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walClear(s));
    }

    static LayerEntry entry(long lsn, Value value) {
        return new LayerEntry(KEY, Lsn.of(lsn), value);
    }

    static LsnValue at(long lsn, Value value) {
        return new LsnValue(Lsn.of(lsn), value);
    }

    static KeyHistoryRetention.AtLsn retained(long lsn, LsnValue... logs) {
        return new KeyHistoryRetention.AtLsn(Lsn.of(lsn), KeyLogAtLsn.of(logs));
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
