package io.strata.engine.vectored;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import org.junit.jupiter.api.Test;

/** The extend rule of FORMAT 11.1. */
class ChunkedVectoredReadBuilderTest {
    static BlobMeta at(long offset) {
        return new BlobMeta(Key.MIN, Lsn.of(1), offset, false);
    }

    @Test
    void acceptsBlobsInTheLastOrNextChunkOnly() {
        ChunkedVectoredReadBuilder b = new ChunkedVectoredReadBuilder(at(100), 600, 4096, 512); // chunks [0, 2)
        assertEquals(1024, b.size());
        assertFalse(b.extend(at(1024 + 512), 1600), "starts two chunks after the end");
        assertTrue(b.extend(at(1000), 1100), "starts in the last chunk");
        assertTrue(b.extend(at(1100), 1600), "starts in the chunk right after");
        assertEquals(2048, b.size());
        VectoredRead r = b.build();
        assertEquals(0, r.start());
        assertEquals(2048, r.end());
        assertEquals(3, r.blobCount());
    }

    @Test
    void respectsTheMaximumButNotForTheFirstBlob() {
        ChunkedVectoredReadBuilder b = new ChunkedVectoredReadBuilder(at(0), 10_000, 4096, 512);
        assertEquals(10_240, b.size(), "oversized first blob");
        assertFalse(b.extend(at(10_000), 10_100));
        ChunkedVectoredReadBuilder c = new ChunkedVectoredReadBuilder(at(0), 3000, 4096, 512);
        assertTrue(c.extend(at(3000), 4096));
        assertFalse(c.extend(at(4096), 4097), "would make 4608 > 4096 bytes");
        assertEquals(4096, c.size());
    }

    @Test
    void unlimitedBuilderOnlyChecksAdjacency() {
        ChunkedVectoredReadBuilder b = new ChunkedVectoredReadBuilder(at(0), 1 << 20,
                ChunkedVectoredReadBuilder.UNLIMITED, 512);
        assertTrue(b.extend(at(1 << 20), 1 << 24));
        assertEquals(1 << 24, b.size());
    }
}
