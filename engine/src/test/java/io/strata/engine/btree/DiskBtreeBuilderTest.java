package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builder input validation and its streaming output. */
class DiskBtreeBuilderTest {
    @Test
    void valuesAboveFortyBitsOrNegativeAreRejected() {
        DiskBtreeBuilder b = new DiskBtreeBuilder(4, p -> { });
        b.append(new byte[] {0, 0, 0, 1}, BtreeFormat.MAX_VALUE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.append(new byte[] {0, 0, 0, 2}, BtreeFormat.MAX_VALUE + 1));
        assertTrue(e.getMessage().contains("549755813888"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.append(new byte[] {0, 0, 0, 3}, -1));
        // a rejected entry leaves the builder usable
        b.append(new byte[] {0, 0, 0, 4}, 0);
        assertEquals(new BuiltTree(0, 1), b.finish());
    }

    @Test
    void keysOfTheWrongLengthAreRejected() {
        DiskBtreeBuilder b = new DiskBtreeBuilder(18, p -> { });
        assertThrows(IllegalArgumentException.class, () -> b.append(new byte[26], 0));
        assertThrows(IllegalArgumentException.class, () -> new DiskBtreeBuilder(0, p -> { }));
        assertThrows(IllegalArgumentException.class, () -> new DiskBtreeBuilder(256, p -> { }));
    }

    @Test
    void emptyTreeCannotBeFinishedAndFinishIsFinal() {
        DiskBtreeBuilder b = new DiskBtreeBuilder(18, p -> { });
        assertThrows(IllegalStateException.class, b::finish);
        b.append(new byte[18], 1);
        b.finish();
        assertThrows(IllegalStateException.class, () -> b.append(new byte[18], 1));
        assertThrows(IllegalStateException.class, b::finish);
    }

    @Test
    void blocksAreEmittedAsSoonAsTheyAreClosed() {
        List<ByteBuffer> out = new ArrayList<>();
        DiskBtreeBuilder b = new DiskBtreeBuilder(18, out::add);
        for (int i = 0; i < 1168; i++) {
            b.append(BtreeLayoutTest.imageKey(i), 8192L + 5 * i);
        }
        assertEquals(1, out.size(), "the first full leaf is emitted when the 1168th key arrives");
        assertEquals(1, b.blocksWritten());
        assertEquals(8192, out.get(0).remaining());
        assertEquals(new BuiltTree(2, 3), b.finish());
        assertEquals(3, out.size());
    }
}
