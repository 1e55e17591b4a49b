package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.layer.image.ImageLayerWriter;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Where {@link KeyHistoryRetention#pipeTo} puts the bottom-most image (Neon's
 * {@code SplitImageLayerWriter::put_image}); the writer's LSN is the lowest retain LSN. Puts come in key order,
 * each subscribed to after the previous one completed.
 */
@FunctionalInterface
public interface ImageWriterSink {

    Mono<Void> putImage(Key key, byte[] img);

    /** Puts into one image layer file. */
    static ImageWriterSink of(ImageLayerWriter writer) {
        Objects.requireNonNull(writer, "writer");
        return (key, img) -> Mono.defer(() -> writer.putImage(key, img));
    }
}
