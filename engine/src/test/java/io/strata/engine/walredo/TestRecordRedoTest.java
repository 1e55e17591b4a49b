package io.strata.engine.walredo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Neon's test record: its {@code test_neon_test_record} and {@code test_bottom_most_compation_redo_failure}
 * (tenant.rs) at the redo level, with the records a read at 0x50 collects, and the asserts of apply_neon.rs.
 */
class TestRecordRedoTest {
    private static final Lsn AT = Lsn.of(0x50);
    private final WalRedoManager redo = new NeonWalRedo();

    /** Neon's aux key {@code 620000000033333333444444445500000000} with field6 = id. */
    private static Key key(int id) {
        return new Key(0x62, 0, 0x33333333, 0x44444444, 0x55, id);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static LsnRecord at(long lsn, NeonWalRecord r) {
        return new LsnRecord(Lsn.of(lsn), r);
    }

    private static Optional<BaseImage> image(String s) {
        return Optional.of(new BaseImage(Lsn.of(0x10), utf8(s)));
    }

    private String run(Key key, Optional<BaseImage> base, LsnRecord... records) {
        return new String(redo.redo(key, AT, base, List.of(records)).block(), StandardCharsets.UTF_8);
    }

    private WalRedoException failure(Key key, Optional<BaseImage> base, LsnRecord... records) {
        return assertThrows(WalRedoException.class, () -> redo.redo(key, AT, base, List.of(records)).block());
    }

    @Test
    void neonTestRecord() {
        // key 1: image "0x10" at 0x10, appends at 0x20 and 0x30
        assertEquals("0x10,0x20,0x30", run(key(1), image("0x10"),
                at(0x20, NeonWalRecord.Test.walAppend(",0x20")), at(0x30, NeonWalRecord.Test.walAppend(",0x30"))));
        // key 3: a clear replaces the image
        assertEquals("c", run(key(3), image("0x10"), at(0x20, NeonWalRecord.Test.walClear("c"))));
        // key 4: the read stops at the init record, so there is no base image; the condition holds
        assertEquals("ij", run(key(4), Optional.empty(),
                at(0x20, NeonWalRecord.Test.walInit("i")), at(0x30, NeonWalRecord.Test.walAppendConditional("j", "i"))));
    }

    @Test
    void onlyIfMismatchFailsWithNeonsError() {
        // key 5 of test_neon_test_record (the assertion Neon leaves commented out: reads would panic in debug)
        WalRedoException e = failure(key(5), Optional.empty(),
                at(0x20, NeonWalRecord.Test.walInit("1")), at(0x30, NeonWalRecord.Test.walAppendConditional("j", "2")));
        assertEquals("WAL redo of key 620000000033333333444444445500000005 at LSN 0/50 failed at record 0/30 (Test): "
                + "the current image does not match the expected image, cannot append", e.getMessage());
        assertEquals("the current image does not match the expected image, cannot append", e.reason());
        assertEquals(key(5), e.key());
        assertEquals(AT, e.lsn());
        assertEquals(Optional.of(Lsn.of(0x30)), e.recordLsn());
        assertEquals(Optional.of("Test"), e.recordVariant());
    }

    @Test
    void bottomMostCompactionRedoFailure() {
        assertEquals("value 1@0x10@0x20@0x24", run(key(1), image("value 1@0x10"),
                at(0x20, NeonWalRecord.Test.walAppend("@0x20")), at(0x24, NeonWalRecord.Test.walAppend("@0x24"))));
        WalRedoException e = failure(key(1), image("value 1@0x10"),
                at(0x20, NeonWalRecord.Test.walAppend("@0x20")), at(0x24, NeonWalRecord.Test.walAppend("@0x24")),
                at(0x28, NeonWalRecord.Test.walAppendConditional("@0x28", "???")));
        assertEquals(Optional.of(Lsn.of(0x28)), e.recordLsn());
        assertEquals("the current image does not match the expected image, cannot append", e.reason());
    }

    @Test
    void onlyIfIsCheckedAfterTheClear() {
        assertEquals("x", run(key(1), image("abc"),
                at(0x20, new NeonWalRecord.Test("x", true, false, Optional.of("")))));
        assertEquals("abcx", run(key(1), image("abc"), at(0x20, NeonWalRecord.Test.walAppendConditional("x", "abc"))));
        assertEquals("the current image does not match the expected image, cannot append",
                failure(key(1), image("abc"), at(0x20, new NeonWalRecord.Test("x", true, false, Optional.of("abc"))))
                        .reason());
    }

    @Test
    void initRecordAsserts() {
        // Neon's assert!(*clear, ...) and assert!(page.is_empty(), ...), as errors
        assertEquals("init record must be clear to ensure correctness", failure(key(1), Optional.empty(),
                at(0x20, new NeonWalRecord.Test("x", false, true, Optional.empty()))).reason());
        assertEquals("init record must be the first entry to ensure correctness",
                failure(key(1), image("0x10"), at(0x20, NeonWalRecord.Test.walInit("i"))).reason());
        assertEquals("init record must be the first entry to ensure correctness", failure(key(1), Optional.empty(),
                at(0x20, NeonWalRecord.Test.walInit("i")), at(0x30, NeonWalRecord.Test.walInit("j"))).reason());
        // an empty page is fine: an empty base image, or a clear to "" before
        assertEquals("i", run(key(1), image(""), at(0x20, NeonWalRecord.Test.walInit("i"))));
        assertEquals("j", run(key(1), image("0x10"),
                at(0x20, NeonWalRecord.Test.walClear("")), at(0x30, NeonWalRecord.Test.walInit("j"))));
    }

    @Test
    void appendsAreUtf8() {
        assertArrayEquals(utf8("a\u00e9\ud83d\ude00"), redo.redo(key(1), AT, Optional.empty(),
                List.of(at(0x20, NeonWalRecord.Test.walInit("a")), at(0x30, NeonWalRecord.Test.walAppend(
                        "\u00e9\ud83d\ude00")))).block());
    }
}
