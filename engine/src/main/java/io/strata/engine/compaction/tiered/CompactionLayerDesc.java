package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Objects;

/**
 * A layer map entry as a compaction layer, as Neon's timeline adaptor does with
 * {@code OwnArc<PersistentLayerDesc>}: planning needs only the name's ranges and the file size.
 *
 * @param desc the layer's description
 */
public record CompactionLayerDesc(PersistentLayerDesc desc) implements CompactionLayer<Key> {
    public CompactionLayerDesc {
        Objects.requireNonNull(desc, "desc");
    }

    @Override
    public Range<Key> keyRange() {
        return PageCompactionKey.fromKeyRange(desc.keyRange());
    }

    @Override
    public Range<Lsn> lsnRange() {
        return new Range<>(desc.lsnStart(), desc.lsnEnd());
    }

    @Override
    public long fileSize() {
        return desc.fileSize();
    }

    @Override
    public String shortId() {
        return desc.name().toString();
    }

    @Override
    public boolean isDelta() {
        return desc.isDelta();
    }
}
