package io.strata.engine.compaction;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.value.Value;

/**
 * One value of the merge with the layer it came from (Neon's {@code next_with_trace} item: the value and its
 * {@code PersistentLayerKey}), so compaction knows which layer to rewrite a key into.
 */
public record MergeItem(Key key, Lsn lsn, Value value, LayerName layer) {
}
