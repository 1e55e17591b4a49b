package io.strata.engine.layer;

import java.nio.file.Path;
import org.agrona.DirectBuffer;

/**
 * What {@link LayerFile} needs to know about one kind of layer: how to decode its summary and how long its index
 * keys are.
 *
 * @param <S> the summary type
 */
public interface SummaryFormat<S extends LayerSummary> {
    /** Decodes block 0; bad magic, version or bytes fail with {@link LayerCorruptionException} naming {@code path}. */
    S decode(DirectBuffer block, Path path);

    /** Bytes per B-tree key: 18 for image layers, 26 for delta layers. */
    int indexKeyLen();
}
