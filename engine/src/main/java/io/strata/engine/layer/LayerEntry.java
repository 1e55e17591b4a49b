package io.strata.engine.layer;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.Value;

/** One value of a layer file, as a layer iterator yields it in (key, lsn) order. Image layers give images. */
public record LayerEntry(Key key, Lsn lsn, Value value) {
}
