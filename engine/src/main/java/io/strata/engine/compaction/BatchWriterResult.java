package io.strata.engine.compaction;

import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.WrittenLayer;
import java.util.Objects;

/** What became of one layer a {@link BatchLayerWriter} was given (Neon's {@code BatchWriterResult}). */
public sealed interface BatchWriterResult permits BatchWriterResult.Produced, BatchWriterResult.Discarded {
    /** The layer's name, whether written or not. */
    LayerName name();

    /** The layer was written and is durable under its final name; the caller adds it to the timeline. */
    record Produced(WrittenLayer<?> layer) implements BatchWriterResult {
        public Produced {
            Objects.requireNonNull(layer, "layer");
        }

        @Override
        public LayerName name() {
            return layer.name();
        }
    }

    /**
     * The layer was not written (its temporary file is gone): the discard function refused it, typically because
     * an identical layer already exists, which the caller then keeps.
     */
    record Discarded(LayerName name) implements BatchWriterResult {
        public Discarded {
            Objects.requireNonNull(name, "name");
        }
    }
}
