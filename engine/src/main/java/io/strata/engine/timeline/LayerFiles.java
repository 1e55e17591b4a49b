package io.strata.engine.timeline;

import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/** Opening a timeline's layer files with every check restart makes. */
final class LayerFiles {
    private LayerFiles() {
    }

    /**
     * Opens the layer file at {@code path}, checking that its summary is exactly the one a layer of
     * {@code desc.name()} of this tenant and timeline must have (magic, format, ids, key and LSN ranges) and that its
     * size is {@code desc.fileSize()}. Fails with {@link LayerCorruptionException} (or the reader's mismatch
     * exception) naming the file.
     */
    static Mono<LayerReader<?>> open(TimelineResources res, LayerWriteContext ctx, PersistentLayerDesc desc,
                                     Path path) {
        Mono<LayerReader<?>> open;
        if (desc.isDelta()) {
            DeltaLayerSummary expected = DeltaLayerSummary.expected(ctx.tenantId(), ctx.timelineId(),
                    desc.keyRange(), desc.lsnStart(), desc.lsnEnd());
            open = DeltaLayerReader.open(res.engine(), res.cache(), path, expected).map(r -> r);
        } else {
            ImageLayerSummary expected = ImageLayerSummary.expected(ctx.tenantId(), ctx.timelineId(),
                    desc.keyRange(), desc.imageLayerLsn());
            open = ImageLayerReader.open(res.engine(), res.cache(), path, expected).map(r -> r);
        }
        return open.flatMap(r -> {
            if (r.fileSize() != desc.fileSize()) {
                return r.close().onErrorResume(e -> Mono.empty()).then(Mono.error(new LayerCorruptionException(path,
                        "the file is " + r.fileSize() + " bytes, the index says " + desc.fileSize())));
            }
            return Mono.just(r);
        });
    }
}
