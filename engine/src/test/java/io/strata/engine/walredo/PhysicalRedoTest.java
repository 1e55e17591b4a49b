package io.strata.engine.walredo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Strata's Physical record: write at an offset, zero-extend, will_init resets; composes with other records. */
class PhysicalRedoTest {
    private static final Key KEY = new Key(0, 1663, 13010, 16384, 0, 7);
    private static final Lsn AT = Lsn.of(0x50);
    private final WalRedoManager redo = new NeonWalRedo();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static NeonWalRecord.Physical phys(int offset, String bytes, boolean willInit) {
        return new NeonWalRecord.Physical(offset, b(bytes), willInit);
    }

    /** Records at LSNs 0x20, 0x21, ... */
    private byte[] run(Optional<BaseImage> base, NeonWalRecord... records) {
        List<LsnRecord> recs = new ArrayList<>();
        for (int i = 0; i < records.length; i++) {
            recs.add(new LsnRecord(Lsn.of(0x20 + i), records[i]));
        }
        return redo.redo(KEY, AT, base, recs).block();
    }

    private static Optional<BaseImage> image(String s) {
        return Optional.of(new BaseImage(Lsn.of(0x10), b(s)));
    }

    @Test
    void willInitWithoutBaseImage() {
        assertArrayEquals(b("abc"), run(Optional.empty(), phys(0, "abc", true)));
        assertArrayEquals(b("\0\0xy"), run(Optional.empty(), phys(2, "xy", true)));
        assertArrayEquals(new byte[0], run(Optional.empty(), phys(0, "", true)));
    }

    @Test
    void writeOverwriteAndExtend() {
        assertArrayEquals(b("aXYdef"), run(image("abcdef"), phys(1, "XY", false)));
        assertArrayEquals(b("abcdeXYZ"), run(image("abcdef"), phys(5, "XYZ", false)));
        assertArrayEquals(b("abc\0\0Z"), run(image("abc"), phys(5, "Z", false)));
        // empty bytes past the end still extend the page to the offset
        assertArrayEquals(b("ab\0\0"), run(image("ab"), phys(4, "", false)));
        assertArrayEquals(b("abcd"), run(image("abcd"), phys(1, "", false)));
    }

    @Test
    void recordsComposeInLsnOrder() {
        assertArrayEquals(b("JEYlo\0\0!"), run(Optional.empty(),
                phys(0, "hello", true), phys(1, "EY", false), phys(7, "!", false), phys(0, "J", false)));
    }

    @Test
    void willInitResetsThePageWhereverItIs() {
        assertArrayEquals(b("zQQ"), run(image("abcdef"), phys(0, "x", false), phys(1, "QQ", true), phys(0, "z", false)));
        // the bytes of the old page never come back when the new one grows again
        assertArrayEquals(b("x\0\0y"), run(image("abcdef"), phys(0, "x", true), phys(3, "y", false)));
        // also when the page outgrows its array
        assertArrayEquals(b("x\0\0\0\0\0\0\0\0y"), run(image("abcdef"), phys(0, "x", true), phys(9, "y", false)));
    }

    @Test
    void composesWithTestRecords() {
        assertArrayEquals(b("Xbcd"), run(image("ab"), NeonWalRecord.Test.walAppend("cd"), phys(0, "X", false)));
        assertArrayEquals(b("ok!"), run(Optional.empty(), phys(0, "ok", true),
                NeonWalRecord.Test.walAppendConditional("!", "ok")));
    }

    @Test
    void theBaseImageIsNotModified() {
        byte[] base = b("abcdef");
        byte[] out = redo.redo(KEY, AT, Optional.of(new BaseImage(Lsn.of(0x10), base)),
                List.of(new LsnRecord(Lsn.of(0x20), phys(0, "XY", false)))).block();
        assertArrayEquals(b("XYcdef"), out);
        assertArrayEquals(b("abcdef"), base);
    }

    @Test
    void aRecordWithoutWillInitNeedsABaseImage() {
        WalRedoException e = assertThrows(WalRedoException.class,
                () -> run(Optional.empty(), phys(0, "abc", false)));
        assertEquals("WAL redo of key 000000067F000032D2000040000000000007 at LSN 0/50 failed at record 0/20 "
                + "(Physical): invalid neon WAL redo request with no base image (and the first record does not "
                + "will_init)", e.getMessage());
    }

    @Test
    void outOfRangeOffsetsFailNamingKeyAndLsn() {
        WalRedoException e = assertThrows(WalRedoException.class,
                () -> run(image("abc"), phys(0, "x", false), phys(-1, "x", false)));
        assertEquals(KEY, e.key());
        assertEquals(AT, e.lsn());
        assertEquals(Optional.of(Lsn.of(0x21)), e.recordLsn());
        assertEquals("WAL redo of key 000000067F000032D2000040000000000007 at LSN 0/50 failed at record 0/21 "
                + "(Physical): Physical record has a negative offset -1", e.getMessage());

        e = assertThrows(WalRedoException.class, () -> run(image("abc"), phys((1 << 30) - 1, "xy", false)));
        assertEquals("Physical record writes 2 bytes at offset 1073741823, up to 1073741825, past the maximum page "
                + "size 1073741824", e.reason());
        // no int overflow at the top of the range
        e = assertThrows(WalRedoException.class, () -> run(image("abc"), phys(Integer.MAX_VALUE, "x", true)));
        assertEquals("Physical record writes 1 bytes at offset 2147483647, up to 2147483648, past the maximum page "
                + "size 1073741824", e.reason());
    }
}
