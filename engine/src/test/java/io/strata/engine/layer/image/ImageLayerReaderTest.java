package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static io.strata.engine.layer.LayerTestSupport.TENANT;
import static io.strata.engine.layer.LayerTestSupport.TIMELINE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerSummaryMismatchException;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** Summary validation, in-place summary rewrite, and every kind of corrupt file failing clearly. */
class ImageLayerReaderTest {
    static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    static final KeyRange RANGE = new KeyRange(START, START.add(3000));
    static final Lsn LSN = new Lsn(0x20);

    @TempDir
    Path dir;
    LayerTestSupport io;
    WrittenLayer<ImageLayerSummary> layer;

    @BeforeEach
    void setUp() throws Exception {
        io = new LayerTestSupport(dir);
        byte[] page = new byte[300];
        layer = ImageLayerWriter.write(io.ctx(), RANGE, LSN, ImageCompressionAlgorithm.DISABLED,
                w -> Flux.range(0, 3000).concatMap(i -> {
                    page[0] = (byte) (int) i;
                    return w.putImage(START.add(i), page);
                }).then(w.finish())).block(T);
        // the root is the last block of the file
        assertEquals(Files.size(layer.path()) / 8192 - 1,
                layer.summary().indexStartBlk() + layer.summary().indexRootBlk());
    }

    @AfterEach
    void tearDown() {
        io.close();
    }

    ImageLayerReader open(ImageLayerSummary expected) {
        return ImageLayerReader.open(io.engine, io.cache, layer.path(), expected).block(T);
    }

    Throwable openError(ImageLayerSummary expected) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> open(expected));
        return e;
    }

    ImageLayerSummary expected() {
        return ImageLayerSummary.expected(TENANT, TIMELINE, RANGE, LSN);
    }

    @Test
    void matchingSummaryOpensAndTimelineIdIsNotCompared() {
        ImageLayerReader r = open(expected().withTimelineId(TimelineId.generate()));
        try {
            assertEquals(layer.summary(), r.summary());
            assertEquals(3000, r.loadKeys().count().block(T));
        } finally {
            r.close().block(T);
            r.close().block(T); // idempotent
        }
    }

    @Test
    void mismatchNamesTheField() {
        var e = assertInstanceOf(LayerSummaryMismatchException.class,
                openError(expected().withKeyRange(new KeyRange(START, START.add(2999)))));
        assertEquals("key_range", e.field());
        assertTrue(e.getMessage().contains(layer.path().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("key_range is " + RANGE), e.getMessage());

        e = assertInstanceOf(LayerSummaryMismatchException.class,
                openError(ImageLayerSummary.expected(TENANT, TIMELINE, RANGE, new Lsn(0x21))));
        assertEquals("lsn", e.field());
        e = assertInstanceOf(LayerSummaryMismatchException.class, openError(expected().withTenantId(
                TenantId.generate())));
        assertEquals("tenant_id", e.field());
    }

    @Test
    void rewriteSummaryChangesOnlyBlockZero() throws Exception {
        byte[] before = Files.readAllBytes(layer.path());
        TenantId other = TenantId.parse("0123456789abcdef0123456789abcdef");
        ImageLayerReader.rewriteSummary(io.engine, layer.path(), s -> s.withTenantId(other)).block(T);
        byte[] after = Files.readAllBytes(layer.path());
        assertEquals(before.length, after.length);
        assertArrayEquals(Arrays.copyOfRange(before, 8192, before.length),
                Arrays.copyOfRange(after, 8192, after.length), "blocks 1.. untouched");
        assertArrayEquals(layer.summary().withTenantId(other).toBlock().array(), Arrays.copyOf(after, 8192));
        assertEquals("0123456789abcdef0123456789abcdef", LayerTestSupport.hex(after, 4, 20));

        ImageLayerReader r = open(expected().withTenantId(other));
        try {
            assertEquals(other, r.summary().tenantId());
            assertEquals(3000, r.loadKeys().count().block(T));
        } finally {
            r.close().block(T);
        }
    }

    @Test
    void rewriteSummaryRefusesADeltaLayer() throws Exception {
        LayerTestSupport.overwrite(layer.path(), 0, new byte[] {0x5A, 0x61});
        byte[] before = Files.readAllBytes(layer.path());
        RuntimeException e = assertThrows(LayerCorruptionException.class, () -> ImageLayerReader.rewriteSummary(
                io.engine, layer.path(), s -> s).block(T));
        assertTrue(e.getMessage().contains("bad magic 0x5A61 (delta layer), expected 0x5A60 (image layer)"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(layer.path()), "nothing written");
    }

    @Test
    void badMagic() throws Exception {
        LayerTestSupport.overwrite(layer.path(), 0, new byte[] {0x12, 0x34});
        Throwable e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertEquals("corrupt layer file " + layer.path() + ": bad magic 0x1234 (not a layer file), expected 0x5A60"
                + " (image layer)", e.getMessage());
    }

    @Test
    void wrongFormatVersion() throws Exception {
        LayerTestSupport.overwrite(layer.path(), 2, new byte[] {0, 2});
        Throwable e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertEquals("corrupt layer file " + layer.path() + ": unsupported format version 2, expected 3",
                e.getMessage());
    }

    @Test
    void fileShorterThanTheSummaryBlock() throws Exception {
        LayerTestSupport.truncate(layer.path(), 8191);
        Throwable e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertTrue(e.getMessage().contains("truncated: 8191 bytes, less than the 8192-byte summary block"),
                e.getMessage());
        LayerTestSupport.truncate(layer.path(), 0);
        assertInstanceOf(LayerCorruptionException.class, openError(null));
    }

    @Test
    void fileTruncatedBeforeTheIndexEnd() throws Exception {
        LayerTestSupport.truncate(layer.path(), Files.size(layer.path()) - 1);
        Throwable e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertTrue(e.getMessage().contains("points past the end of the file"), e.getMessage());
    }

    @Test
    void indexStartOrRootPastTheEnd() {
        long blocks = layer.fileSize() / 8192;
        ImageLayerReader.rewriteSummary(io.engine, layer.path(), s -> s.withIndex(blocks, 0)).block(T);
        Throwable e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertTrue(e.getMessage().contains("index_start_blk " + blocks + " + index_root_blk 0 points past the end"),
                e.getMessage());

        ImageLayerReader.rewriteSummary(io.engine, layer.path(),
                s -> s.withIndex(layer.summary().indexStartBlk(), 0xFFFF_FFFFL)).block(T);
        assertInstanceOf(LayerCorruptionException.class, openError(null));

        ImageLayerReader.rewriteSummary(io.engine, layer.path(), s -> s.withIndex(0, 0)).block(T);
        e = assertInstanceOf(LayerCorruptionException.class, openError(null));
        assertTrue(e.getMessage().contains("index_start_blk 0 overlaps the summary block"), e.getMessage());
    }

    @Test
    void garbageIndexNodesFailTheScanWithoutHanging() throws Exception {
        long rootBlock = layer.summary().indexStartBlk() + layer.summary().indexRootBlk();
        for (long seed = 0; seed < 20; seed++) {
            byte[] garbage = new byte[8192];
            new SplittableRandom(seed).nextBytes(garbage);
            if (seed % 2 == 0) { // a plausible header over garbage: internal node pointing anywhere
                garbage[0] = 0;
                garbage[1] = 8;
                garbage[2] = 1;
                garbage[3] = 0;
                garbage[4] = 18;
            }
            LayerTestSupport.overwrite(layer.path(), rootBlock * 8192, garbage);
            ImageLayerReader r = open(null); // the summary is fine
            try {
                RuntimeException e = assertThrows(RuntimeException.class, () -> r.loadKeys().count().block(T));
                assertInstanceOf(LayerCorruptionException.class, e, "seed " + seed + ": " + e);
                assertTrue(e.getMessage().startsWith("corrupt layer file " + layer.path() + ": index: "),
                        e.getMessage());
            } finally {
                r.close().block(T);
            }
        }
    }
}
