package io.strata.engine.compaction.tiered;

/**
 * An image layer (Neon's {@code CompactionImageLayer}). Compaction asks nothing of images beyond
 * {@link CompactionLayer}; the type marks which layers an executor treats as images.
 *
 * @param <K> the executor's key type
 */
public interface CompactionImageLayer<K> extends CompactionLayer<K> {
}
