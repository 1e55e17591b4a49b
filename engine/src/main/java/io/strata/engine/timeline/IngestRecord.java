package io.strata.engine.timeline;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.value.Value;
import java.util.Objects;

/**
 * One value to ingest: the page image or WAL record of {@code key} at {@code lsn} (one entry of Neon's
 * {@code SerializedValueBatch}).
 */
public record IngestRecord(Key key, Lsn lsn, Value value) {
    public IngestRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(value, "value");
    }

    LayerEntry toEntry() {
        return new LayerEntry(key, lsn, value);
    }
}
