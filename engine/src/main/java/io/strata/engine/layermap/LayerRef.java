package io.strata.engine.layermap;

import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Objects;

/**
 * A layer a read may go to (Neon's {@code ReadableLayerWeak}): a layer on disk or an in-memory layer. Equal by
 * value, so search results can be grouped in maps.
 */
public sealed interface LayerRef permits LayerRef.Persistent, LayerRef.InMemory {
    /** A layer file, as the layer map describes it. */
    record Persistent(PersistentLayerDesc desc) implements LayerRef {
        public Persistent {
            Objects.requireNonNull(desc, "desc");
        }

        @Override
        public String toString() {
            return desc.name().toString();
        }
    }

    /** An open or frozen in-memory layer. */
    record InMemory(InMemoryLayerDesc desc) implements LayerRef {
        public InMemory {
            Objects.requireNonNull(desc, "desc");
        }

        @Override
        public String toString() {
            return desc.toString();
        }
    }
}
