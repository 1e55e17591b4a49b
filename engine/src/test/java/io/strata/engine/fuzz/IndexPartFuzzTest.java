package io.strata.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.timeline.IndexPart;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the index loader: {@code index_part.json} as a timeline open reads it ({@link IndexPart#fromJson}), then
 * what {@code TimelineLoader.load} builds from it before touching any file: each layer's local file name and
 * description, and the layer map of all of them, searched at a few keys. A bad index may only fail with an
 * {@link IllegalArgumentException} with a message; a good one writes JSON that parses back to the same index.
 */
class IndexPartFuzzTest {
    private static final FuzzOutcomes OUTCOMES = new FuzzOutcomes(IllegalArgumentException.class);
    private static final String SOURCE = "fuzz/" + IndexPart.FILE_NAME;

    @FuzzTest(maxDuration = "20s")
    void load(byte[] json) {
        IndexPart index;
        LayerMap map;
        try {
            index = IndexPart.fromJson(json, SOURCE);
            BatchedUpdates u = LayerMap.EMPTY.batchUpdate();
            for (Map.Entry<LayerName, IndexPart.LayerFileMetadata> e : index.layerMetadata().entrySet()) {
                e.getKey().localFileName(e.getValue().generation());
                u.insertHistoric(new PersistentLayerDesc(e.getKey(), e.getValue().fileSize()));
            }
            map = u.flush();
        } catch (RuntimeException e) {
            OUTCOMES.check(e, new String(json, StandardCharsets.UTF_8));
            return;
        }
        assertEquals(index, IndexPart.fromJson(index.toJson(), SOURCE), "index written back as JSON");
        Lsn end = index.diskConsistentLsn().value() == 0 ? Lsn.MAX : index.diskConsistentLsn();
        for (LayerName name : index.layerMetadata().keySet()) {
            map.search(name.keyRange().start(), end);
        }
        map.search(Key.MIN, end);
    }
}
