package io.strata.engine.walredo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.MultiXactMember;
import io.strata.engine.value.NeonWalRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Neon's {@code apply_neon.rs} for the visibility map, CLOG, multixact and AUX records. Neon has no unit tests for
 * these; the expectations are computed by hand from its bit arithmetic (comments show the working).
 */
class ApplyNeonTest {
    private static final Lsn REQUEST = Lsn.of(0x1_0000_0050L);
    private static final Lsn REC = Lsn.of(0x1_0000_0020L);

    private static Key vm(int blk) {
        return new Key(0x00, 1663, 13010, 1259, Key.VISIBILITYMAP_FORKNUM, blk);
    }

    private static Key clog(int segno, int blknum) {
        return new Key(0x01, 0, 1, segno, 0, blknum);
    }

    private static Key members(int segno, int blknum) {
        return new Key(0x01, 1, 1, segno, 0, blknum);
    }

    private static Key offsets(int segno, int blknum) {
        return new Key(0x01, 2, 1, segno, 0, blknum);
    }

    /** An 8192-byte page: pd_upper = 8192 (not new), every map or CLOG byte {@code fill}. */
    private static byte[] page(int fill) {
        byte[] p = new byte[8192];
        Arrays.fill(p, 24, p.length, (byte) fill);
        p[14] = 0x00;
        p[15] = 0x20;
        return p;
    }

    private static byte[] redo(Key key, byte[] base, NeonWalRecord... records) {
        LsnRecord[] recs = new LsnRecord[records.length];
        for (int i = 0; i < records.length; i++) {
            recs[i] = new LsnRecord(REC.add(i), records[i]);
        }
        return NeonWalRedo.applyBuiltin(key, REQUEST, Optional.of(new BaseImage(Lsn.of(0x10), base)), List.of(recs));
    }

    private static WalRedoException fails(Key key, byte[] base, NeonWalRecord record) {
        WalRedoException e = assertThrows(WalRedoException.class, () -> redo(key, base, record));
        assertEquals(key, e.key());
        assertEquals(REQUEST, e.lsn());
        assertEquals(Optional.of(REC), e.recordLsn());
        assertTrue(e.getMessage().startsWith("WAL redo of key " + key + " at LSN 1/50 failed at record 1/20 ("
                + WalRedoException.variantName(record) + "): "), e.getMessage());
        return e;
    }

    private static NeonWalRecord.ClearVisibilityMapFlags clearVm(Integer newBlk, Integer oldBlk, int flags) {
        return new NeonWalRecord.ClearVisibilityMapFlags(newBlk == null ? OptionalInt.empty() : OptionalInt.of(newBlk),
                oldBlk == null ? OptionalInt.empty() : OptionalInt.of(oldBlk), flags);
    }

    // ------------------------------------------------------------------------------- ClearVisibilityMapFlags

    @Test
    void clearVisibilityMapFlagsClearsTheHeapBlocksBitsAndSetsThePageLsn() {
        // heap block 5: map byte 5 / 4 = 1, offset (5 % 4) * 2 = 2; flags 0b11 << 2 = 0x0C cleared
        byte[] out = redo(vm(0), page(0xFF), clearVm(5, null, 0x03));
        byte[] expected = page(0xFF);
        expected[24 + 1] = (byte) 0xF3;
        // page_set_lsn(1/20): xlogid 1 then xrecoff 0x20, little-endian
        System.arraycopy(new byte[] {1, 0, 0, 0, 0x20, 0, 0, 0}, 0, expected, 0, 8);
        assertArrayEquals(expected, out);
    }

    @Test
    void clearVisibilityMapFlagsForNewAndOldHeapBlocks() {
        // new 5: byte 1 bit 2; old 6: byte 1, offset (6 % 4) * 2 = 4; flags 0x01 -> 0xFF & ~0x04 & ~0x10 = 0xEB
        byte[] out = redo(vm(0), page(0xFF), clearVm(5, 6, 0x01));
        assertEquals((byte) 0xEB, out[25]);
        assertEquals((byte) 0xFF, out[24]);
        assertEquals((byte) 0xFF, out[26]);
    }

    @Test
    void clearVisibilityMapFlagsShiftsInAByte() {
        // heap block 3: byte 0, offset 6; (0xFF << 6) as u8 = 0xC0, so only bits 6..7 are cleared
        byte[] out = redo(vm(0), page(0xFF), clearVm(3, null, 0xFF));
        assertEquals((byte) 0x3F, out[24]);
    }

    @Test
    void clearVisibilityMapFlagsOnTheSecondMapBlock() {
        // heap block 32679 = 32672 + 7: map block 1, byte 7 / 4 = 1, offset (32679 % 4) * 2 = 6
        byte[] out = redo(vm(1), page(0xFF), clearVm(null, 32679, 0x01));
        assertEquals((byte) 0xBF, out[25]);
        // heap block u32::MAX: map block 131457, byte 1047, offset 6
        out = redo(vm(131457), page(0xFF), clearVm(-1, null, 0x03));
        assertEquals((byte) 0x3F, out[24 + 1047]);
    }

    @Test
    void clearVisibilityMapFlagsLeavesTheLsnOfANewPage() {
        byte[] fresh = new byte[8192];
        Arrays.fill(fresh, 24, 8192, (byte) 0xFF); // pd_upper = 0: page_is_new
        byte[] out = redo(vm(0), fresh, clearVm(5, null, 0x03));
        assertArrayEquals(new byte[16], Arrays.copyOf(out, 16));
        assertEquals((byte) 0xF3, out[25]);
    }

    @Test
    void clearVisibilityMapFlagsWithNoBlocksChangesNothing() {
        assertArrayEquals(page(0xFF), redo(vm(0), page(0xFF), clearVm(null, null, 0x03)));
    }

    @Test
    void clearVisibilityMapFlagsChecksTheKeyAndTheBlock() {
        Key mainFork = new Key(0x00, 1663, 13010, 1259, 0, 0);
        assertEquals("ClearVisibilityMapFlags record on unexpected rel 1663/13010/1259",
                fails(mainFork, page(0xFF), clearVm(5, null, 1)).reason());
        assertEquals("invalid record: unexpected value kind 0x01",
                fails(clog(0, 0), page(0xFF), clearVm(5, null, 1)).reason());
        // heap block 32679 is on map block 1, the key is block 0 (Neon: assert!(map_block == blknum))
        assertTrue(fails(vm(0), page(0xFF), clearVm(null, 32679, 1)).reason()
                .startsWith("assertion failed: map_block == blknum"));
        // a page too short for its map byte (Neon: index out of bounds)
        assertTrue(fails(vm(0), new byte[25], clearVm(5, null, 1)).reason()
                .contains("outside the page of 25 bytes"));
        assertTrue(fails(vm(0), new byte[10], clearVm(5, null, 1)).reason()
                .contains("shorter than its 24-byte header"));
    }

    // ------------------------------------------------------------------------------- TruncateVisibilityMap

    @Test
    void truncateVisibilityMapZeroesPastTheByteAndMasksIt() {
        // map[3..] = 0; map[2] &= (1 << 4) - 1
        byte[] out = redo(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(2, 4));
        byte[] expected = page(0);
        expected[24] = (byte) 0xFF;
        expected[25] = (byte) 0xFF;
        expected[26] = 0x0F;
        assertArrayEquals(expected, out); // the LSN is not set
        // trunc_offs 0 clears the byte; 7 keeps 0b0111_1111
        assertEquals(0, redo(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(0, 0))[24]);
        assertEquals(0x7F, redo(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(0, 7))[24]);
        // the last byte of the map
        out = redo(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(8167, 2));
        assertEquals(0x03, out[8191]);
        assertEquals((byte) 0xFF, out[8190]);
    }

    @Test
    void truncateVisibilityMapChecks() {
        assertEquals("TruncateVisibilityMap record on unexpected rel 1663/13010/1259_fsm",
                fails(new Key(0, 1663, 13010, 1259, 1, 0), page(0xFF),
                        new NeonWalRecord.TruncateVisibilityMap(0, 0)).reason());
        assertEquals("trunc_byte 8168 is outside the visibility map of 8168 bytes (page of 8192)",
                fails(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(8168, 0)).reason());
        assertEquals("trunc_byte 18446744073709551615 is outside the visibility map of 8168 bytes (page of 8192)",
                fails(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(-1, 0)).reason());
        assertEquals("trunc_offs 8 is not a bit of a byte (0..7)",
                fails(vm(0), page(0xFF), new NeonWalRecord.TruncateVisibilityMap(0, 8)).reason());
    }

    // ------------------------------------------------------------------------------- CLOG

    @Test
    void clogSetCommittedSetsTwoBitsPerXidAndAppendsTheTimestamp() {
        // xid 3: byte 0, shift 6 -> 0x40; xid 5: byte 1, shift 2 -> 0x04; status COMMITTED = 1
        byte[] base = new byte[8192];
        byte[] out = redo(clog(0, 0), base, new NeonWalRecord.ClogSetCommitted(new int[] {3, 5}, 0x0102030405060708L));
        assertEquals(8200, out.length);
        assertEquals(0x40, out[0]);
        assertEquals(0x04, out[1]);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, Arrays.copyOfRange(out, 8192, 8200));
        // a second commit replaces the timestamp; xid 4 (byte 1, shift 0) over 0xFF... keeps the other bits
        out[1] = (byte) 0xFF;
        byte[] again = redo(clog(0, 0), out, new NeonWalRecord.ClogSetCommitted(new int[] {4}, -2));
        assertEquals(8200, again.length);
        assertEquals((byte) 0xFD, again[1]); // (0xFF & ~0b11) | 0b01
        assertEquals(-2L, ByteBuffer.wrap(again, 8192, 8).getLong());
    }

    @Test
    void clogSetCommittedOnAPageOfAnotherSizeSetsBitsButNoTimestamp() {
        // Neon only warns: "CLOG blk 0 in seg 0 has invalid size 100"
        byte[] out = redo(clog(0, 0), new byte[100], new NeonWalRecord.ClogSetCommitted(new int[] {3}, 7));
        assertEquals(100, out.length);
        assertEquals(0x40, out[0]);
    }

    @Test
    void clogSetAbortedSetsStatusTwoWithoutTimestamp() {
        byte[] base = new byte[8192];
        Arrays.fill(base, (byte) 0xFF);
        // xid 32768 + 10: CLOG page 1 (segment 0, block 1), byte 2, shift 4: (0xFF & ~0x30) | 0x20 = 0xEF
        byte[] out = redo(clog(0, 1), base, new NeonWalRecord.ClogSetAborted(new int[] {32768 + 10}));
        assertEquals(8192, out.length);
        assertEquals((byte) 0xEF, out[2]);
        // xid u32::MAX: page 131071 = segment 4095, block 31; byte 8191, shift 6: 0x80 | (0xFF & ~0xC0)
        out = redo(clog(4095, 31), base, new NeonWalRecord.ClogSetAborted(new int[] {-1}));
        assertEquals((byte) 0xBF, out[8191]);
        // segment 1: xid 32 * 32768
        out = redo(clog(1, 0), new byte[8192], new NeonWalRecord.ClogSetAborted(new int[] {32 * 32768 + 1}));
        assertEquals(0x08, out[0]);
    }

    @Test
    void clogRecordsCheckTheKey() {
        assertEquals("ClogSetCommitted record for XID 40000 with unexpected key " + clog(0, 0),
                fails(clog(0, 0), new byte[8192], new NeonWalRecord.ClogSetCommitted(new int[] {3, 40000}, 0))
                        .reason());
        assertEquals("ClogSetAborted record for XID 4294967295 with unexpected key " + clog(0, 31),
                fails(clog(0, 31), new byte[8192], new NeonWalRecord.ClogSetAborted(new int[] {-1})).reason());
        assertEquals("ClogSetAborted record with unexpected key " + members(0, 0),
                fails(members(0, 0), new byte[8192], new NeonWalRecord.ClogSetAborted(new int[] {1})).reason());
        assertEquals("invalid record: unrecognized slru kind 0x03",
                fails(new Key(1, 3, 1, 0, 0, 0), new byte[8192], new NeonWalRecord.ClogSetAborted(new int[0]))
                        .reason());
        assertEquals("invalid record: unexpected value kind 0x00",
                fails(vm(0), new byte[8192], new NeonWalRecord.ClogSetCommitted(new int[0], 0)).reason());
        // a page too short for the xid's byte (Neon: index out of bounds)
        assertTrue(fails(clog(0, 0), new byte[1], new NeonWalRecord.ClogSetAborted(new int[] {4})).reason()
                .contains("bytes [1, 2) are outside the page of 1 bytes"));
    }

    // ------------------------------------------------------------------------------- multixact

    @Test
    void multixactOffsetCreateWritesTheOffsetLittleEndian() {
        // mid 5: entry 5, bytes 20..24
        byte[] out = redo(offsets(0, 0), new byte[8192], new NeonWalRecord.MultixactOffsetCreate(5, 0x01020304));
        assertArrayEquals(new byte[] {4, 3, 2, 1}, Arrays.copyOfRange(out, 20, 24));
        // mid 2048 * 33 + 7: page 33 = segment 1, block 1; bytes 28..32
        out = redo(offsets(1, 1), new byte[8192], new NeonWalRecord.MultixactOffsetCreate(2048 * 33 + 7, -1));
        assertEquals(-1, ByteBuffer.wrap(out, 28, 4).getInt());
        // mid u32::MAX: page 2097151 = segment 65535, block 31; entry 2047, bytes 8188..8192
        out = redo(offsets(65535, 31), new byte[8192], new NeonWalRecord.MultixactOffsetCreate(-1, 7));
        assertEquals(7, ByteBuffer.wrap(out, 8188, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void multixactOffsetCreateChecksTheKey() {
        assertEquals("MultiXactOffsetsCreate record for multi-xid 2048 with unexpected key " + offsets(0, 0),
                fails(offsets(0, 0), new byte[8192], new NeonWalRecord.MultixactOffsetCreate(2048, 1)).reason());
        assertEquals("MultixactOffsetCreate record with unexpected key " + clog(0, 0),
                fails(clog(0, 0), new byte[8192], new NeonWalRecord.MultixactOffsetCreate(1, 1)).reason());
    }

    @Test
    void multixactMembersCreateWritesFlagsAndXids() {
        // offsets 1 and 2: group 0 (flags word at 0), shifts 8 and 16, xids at 8 and 12
        byte[] out = redo(members(0, 0), new byte[8192], new NeonWalRecord.MultixactMembersCreate(1,
                List.of(new MultiXactMember(100, 2), new MultiXactMember(200, 5))));
        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0005_0200, le.getInt(0));
        assertEquals(100, le.getInt(8));
        assertEquals(200, le.getInt(12));
        // over a flags word of all ones only the member's byte is replaced: 0xFFFF00FF | 0x200
        byte[] ones = new byte[8192];
        Arrays.fill(ones, (byte) 0xFF);
        out = redo(members(0, 0), ones, new NeonWalRecord.MultixactMembersCreate(1, List.of(new MultiXactMember(7, 2))));
        le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFFFF_02FF, le.getInt(0));
        assertEquals(7, le.getInt(8));
    }

    @Test
    void multixactMembersCreateCrossesGroupsAndDoesNotMaskTheStatus() {
        // offset 3: flags at 0, shift 24, xid at 16; offset 4: next group, flags at 20, shift 0, xid at 24
        byte[] out = redo(members(0, 0), new byte[8192], new NeonWalRecord.MultixactMembersCreate(3,
                List.of(new MultiXactMember(33, 0x1FF), new MultiXactMember(44, 0x103))));
        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFF00_0000, le.getInt(0)); // 0x1FF << 24 as u32
        assertEquals(33, le.getInt(16));
        assertEquals(0x0000_0103, le.getInt(20)); // Neon ORs the status in unmasked
        assertEquals(44, le.getInt(24));
        // offset u32::MAX: page 2625285 = segment 82040, block 5; flags at 5160, shift 24, xid at 5176
        out = redo(members(82040, 5), new byte[8192],
                new NeonWalRecord.MultixactMembersCreate(-1, List.of(new MultiXactMember(9, 3))));
        le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0300_0000, le.getInt(5160));
        assertEquals(9, le.getInt(5176));
    }

    @Test
    void multixactMembersCreateChecksEveryMembersBlock() {
        // offset 1635 is the last member of page 0; 1636 is on page 1
        assertEquals("MultiXactMembersCreate record for offset 1635 with unexpected key " + members(0, 0),
                fails(members(0, 0), new byte[8192], new NeonWalRecord.MultixactMembersCreate(1635,
                        List.of(new MultiXactMember(1, 1), new MultiXactMember(2, 1)))).reason());
        // u32 offsets wrap from u32::MAX to 0 (page 0): the block check refuses it
        assertEquals("MultiXactMembersCreate record for offset 4294967295 with unexpected key " + members(82040, 5),
                fails(members(82040, 5), new byte[8192], new NeonWalRecord.MultixactMembersCreate(-1,
                        List.of(new MultiXactMember(1, 1), new MultiXactMember(2, 1)))).reason());
        assertEquals("MultixactMembersCreate record with unexpected key " + offsets(0, 0),
                fails(offsets(0, 0), new byte[8192], new NeonWalRecord.MultixactMembersCreate(1, List.of())).reason());
    }

    // ------------------------------------------------------------------------------- AuxFile, Postgres

    @Test
    void auxFileIsANoOp() {
        // Neon: "AuxFile record should not be created in aux v2", a warning, the page unchanged
        byte[] base = {1, 2, 3};
        assertArrayEquals(base, redo(vm(0), base, new NeonWalRecord.AuxFile("pg_logical/x", new byte[] {9})));
        assertArrayEquals(base, redo(vm(0), base, new NeonWalRecord.AuxFile("pg_logical/x", null)));
    }

    @Test
    void applyInNeonRefusesAPostgresRecordWithNeonsMessage() {
        RedoFailure e = assertThrows(RedoFailure.class,
                () -> ApplyNeon.apply(new NeonWalRecord.Postgres(true, new byte[0]), REC, vm(0), new Page()));
        assertEquals("tried to pass postgres wal record to neon WAL redo", e.getMessage());
    }
}
