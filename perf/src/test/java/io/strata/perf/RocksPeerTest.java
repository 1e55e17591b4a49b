package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** The key || ~LSN encoding: versions newest first, and one seek finds the newest version at or below an LSN. */
class RocksPeerTest {
    @TempDir
    Path dir;

    @Test
    void versionsOfAKeySortNewestFirstAndKeysStayInOrder() {
        Key a = new Key(0, 1663, 16384, 24576, 0, 7);
        byte[] a10 = RocksPeer.versionKey(a, Lsn.of(0x10));
        byte[] a30 = RocksPeer.versionKey(a, Lsn.of(0x30));
        byte[] aHigh = RocksPeer.versionKey(a, Lsn.of(0x8000_0000_0000_0000L)); // unsigned: above 0x30
        byte[] b10 = RocksPeer.versionKey(a.next(), Lsn.of(0x10));
        assertTrue(Arrays.compareUnsigned(aHigh, a30) < 0);
        assertTrue(Arrays.compareUnsigned(a30, a10) < 0);
        assertTrue(Arrays.compareUnsigned(a10, b10) < 0, "every version of a key before the next key");
        assertEquals(0x30, RocksPeer.lsnOf(a30));
        assertEquals(0x8000_0000_0000_0000L, RocksPeer.lsnOf(aHigh));
        assertTrue(RocksPeer.sameKey(a10, a30));
        assertFalse(RocksPeer.sameKey(a10, b10));
    }

    @Test
    void seekFindsTheNewestVersionAtOrBelowTheLsn() throws Exception {
        Key a = new Key(0, 1663, 16384, 24576, 0, 7);
        Key b = a.next();
        try (RocksPeer peer = RocksPeer.open(dir.resolve("db"), 1 << 20, 1 << 20)) {
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(RocksPeer.versionKey(a, Lsn.of(0x10)), new byte[] {1});
                batch.put(RocksPeer.versionKey(a, Lsn.of(0x30)), new byte[] {3});
                batch.put(RocksPeer.versionKey(b, Lsn.of(0x20)), new byte[] {2});
                peer.write(batch);
            }
            peer.flush();
            try (ReadOptions ro = RocksPeer.pointReadOptions(); RocksIterator it = peer.iterator(ro)) {
                assertArrayEquals(new byte[] {1}, seek(it, a, 0x10));
                assertArrayEquals(new byte[] {1}, seek(it, a, 0x2f));
                assertArrayEquals(new byte[] {3}, seek(it, a, 0x30));
                assertArrayEquals(new byte[] {3}, seek(it, a, 0x1000));
                assertArrayEquals(new byte[] {2}, seek(it, b, 0x20));
                // below the oldest version of b: the seek lands past b, on nothing of b's
                assertEquals(null, seek(it, b, 0x1f));
            }
            assertTrue(peer.sstBytes() > 0, "the flush wrote an SST file");
        }
    }

    private static byte[] seek(RocksIterator it, Key key, long lsn) {
        byte[] want = RocksPeer.versionKey(key, Lsn.of(lsn));
        it.seek(want);
        return it.isValid() && RocksPeer.sameKey(it.key(), want) ? it.value() : null;
    }
}
