package io.strata.engine.compaction.image;

import io.strata.engine.key.Key;
import java.util.Objects;

/**
 * Neon's {@code LastImageLayerCreationStatus}: where the previous {@link ImageLayerCreation#createImageLayers} run
 * stopped, so that a run preempted for L0 compaction resumes after the partitions it finished.
 */
public sealed interface LastImageLayerCreationStatus {
    /** No run yet. */
    LastImageLayerCreationStatus INITIAL = new Initial();
    /** The last run went through every partition. */
    LastImageLayerCreationStatus COMPLETE = new Complete();

    /**
     * The last run yielded to L0 compaction.
     *
     * @param lastKey the end (exclusive) of the last partition it processed; the next run continues after it
     */
    record Incomplete(Key lastKey) implements LastImageLayerCreationStatus {
        public Incomplete {
            Objects.requireNonNull(lastKey, "lastKey");
        }
    }

    /** The last run went through every partition. */
    record Complete() implements LastImageLayerCreationStatus {
    }

    /** No run yet. */
    record Initial() implements LastImageLayerCreationStatus {
    }
}
