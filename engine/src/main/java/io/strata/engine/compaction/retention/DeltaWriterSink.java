package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.value.Value;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Where {@link KeyHistoryRetention#pipeTo} puts versions (Neon's {@code SplitDeltaLayerWriter::put_value}).
 * Puts come in (key, lsn) order, each subscribed to after the previous one completed.
 */
@FunctionalInterface
public interface DeltaWriterSink {

    Mono<Void> putValue(Key key, Lsn lsn, Value value);

    /** Puts into one delta layer file. */
    static DeltaWriterSink of(DeltaLayerWriter writer) {
        Objects.requireNonNull(writer, "writer");
        // DeltaLayerWriter.putValue encodes when called: defer it to subscription, the order pipeTo sequences
        return (key, lsn, value) -> Mono.defer(() -> writer.putValue(key, lsn, value));
    }
}
