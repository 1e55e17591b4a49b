package io.strata.engine.compaction.tiered;

import reactor.core.publisher.Flux;

/**
 * A delta layer whose entries compaction can read (Neon's {@code CompactionDeltaLayer}).
 *
 * @param <K> the executor's key type
 * @param <C> the executor's request context
 * @param <E> the layer's entries
 */
public interface CompactionDeltaLayer<K, C, E extends CompactionDeltaEntry<K>> extends CompactionLayer<K> {
    /**
     * Every entry of the layer in (key, LSN) order ({@code load_keys}). Lazy: nothing is read until subscribed,
     * which is what lets {@link CompactionHelpers#mergeDeltaKeys} open a layer only once the merge reaches it.
     */
    Flux<E> loadKeys(C ctx);
}
