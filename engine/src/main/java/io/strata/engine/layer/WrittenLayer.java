package io.strata.engine.layer;

import java.nio.file.Path;

/**
 * A finished layer file (Neon's {@code (PersistentLayerDesc, path)}): durable under its final name.
 *
 * @param <S> the summary type
 */
public record WrittenLayer<S extends LayerSummary>(S summary, LayerName name, Path path, long fileSize) {
}
