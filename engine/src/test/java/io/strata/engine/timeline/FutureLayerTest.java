package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertFilesSettle;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Layers above the disk-consistent LSN are dropped at load (Neon's future layers). Image layer creation can make an
 * image from in-memory data; a stop without flush loses that WAL, and the LSNs are ingested again, possibly with
 * other records: an image kept from before would hide them (ModelBasedTest seed 2, step 204: a conditional append
 * failed on a branch whose image at 0/373A had survived a hard restart back to 0/3412).
 */
class FutureLayerTest {
    private static final Key K0 = Key.fromHex("000000000033333333444444445500000000");

    @TempDir
    Path dir;

    @Test
    void anImageAboveTheDiskConsistentLsnIsDroppedAtLoadAndTheLsnsAreIngestedAgain() throws Exception {
        Path timelineDir;
        IndexPart index;
        StrataEngine first = open(dir, config(1 << 20));
        try {
            Tenant tenant = first.createTenant(TENANT).block(T);
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(K0, bytes("a")))
                    .delta(new KeyRange(K0, K0.next()), Lsn.of(0x18), Lsn.of(0x30), List.of(
                            new LayerEntry(K0, Lsn.of(0x20), append("@20"))))
                    .image(Lsn.of(0x40), Map.of(K0, bytes("lost")))
                    .endLsn(Lsn.of(0x40))
                    .build().block(T);
            timelineDir = t.directory();
            index = t.indexPart();
        } finally {
            first.close().block(T);
        }
        // as a crash leaves it when the image was made from WAL that never became durable
        LayerName future = LayerName.parse("000000000033333333444444445500000000-000000000033333333444444445500000001"
                + "__0000000000000040");
        assertTrue(index.layerMetadata().containsKey(future), index.layerMetadata().toString());
        assertEquals(List.of(), TimelineLoader.futureLayers(index));
        IndexPart crashed = index.withDiskConsistentLsn(Lsn.of(0x2F));
        assertEquals(List.of(future), TimelineLoader.futureLayers(crashed));
        Files.write(timelineDir.resolve(IndexPart.FILE_NAME), crashed.toJson());

        StrataEngine second = open(dir, config(1 << 20));
        try {
            Timeline t = second.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
            assertEquals(Lsn.of(0x2F), t.diskConsistentLsn());
            assertFalse(t.indexPart().layerMetadata().containsKey(future), t.indexPart().layerMetadata().toString());
            assertFalse(t.layers().map().historicLayers().stream().anyMatch(d -> d.name().equals(future)));
            assertFilesSettle(t);
            // the index on disk no longer names it either
            IndexPart onDisk = IndexPart.fromJson(Files.readAllBytes(timelineDir.resolve(IndexPart.FILE_NAME)), "test");
            assertFalse(onDisk.layerMetadata().containsKey(future));

            t.ingest(Flux.just(List.of(new IngestRecord(K0, Lsn.of(0x38), append("@38"))))).block(T);
            assertEquals("a@20@38", new String(t.get(K0, Lsn.of(0x40)).block(T), StandardCharsets.UTF_8));
        } finally {
            second.close().block(T);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Value append(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walAppend(s));
    }
}
