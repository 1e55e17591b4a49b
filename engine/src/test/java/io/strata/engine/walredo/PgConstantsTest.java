package io.strata.engine.walredo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Neon's postgres_ffi constants and its {@code test_multixid_calc} vectors (from PostgreSQL's C macros). */
class PgConstantsTest {

    @Test
    void constantsOfTheDefaultBlockSize() {
        assertEquals(24, PgConstants.MAXALIGN_SIZE_OF_PAGE_HEADER_DATA);
        assertEquals(32768, PgConstants.CLOG_XACTS_PER_PAGE);
        assertEquals(3, PgConstants.CLOG_XACT_BITMASK);
        assertEquals(32672, PgConstants.HEAPBLOCKS_PER_PAGE);
        assertEquals(4, PgConstants.HEAPBLOCKS_PER_BYTE);
        assertEquals(2048, PgConstants.MULTIXACT_OFFSETS_PER_PAGE);
        assertEquals(20, PgConstants.MULTIXACT_MEMBERGROUP_SIZE);
        assertEquals(409, PgConstants.MULTIXACT_MEMBERGROUPS_PER_PAGE);
        assertEquals(1636, PgConstants.MULTIXACT_MEMBERS_PER_PAGE);
    }

    /** Neon's {@code nonrelfile_utils::tests::test_multixid_calc}, value for value. */
    @Test
    void multixidCalc() {
        check(0, 0, 0, 0, 0, 4);
        check(1, 0, 0, 0, 8, 8);
        check(123456789, 2358, 75462, 4780, 8, 4788);
        check(0xFFFF_FFFE, 82040, 2625285, 5160, 16, 5172);
        check(0xFFFF_FFFF, 82040, 2625285, 5160, 24, 5176);
    }

    private static void check(int offset, int segment, int page, int flagsOffset, int bitshift, int memberOffset) {
        assertEquals(segment, PgConstants.mxOffsetToMemberSegment(offset));
        assertEquals(page, PgConstants.mxOffsetToMemberPage(offset));
        assertEquals(flagsOffset, PgConstants.mxOffsetToFlagsOffset(offset));
        assertEquals(bitshift, PgConstants.mxOffsetToFlagsBitshift(offset));
        assertEquals(memberOffset, PgConstants.mxOffsetToMemberOffset(offset));
    }

    @Test
    void visibilityMapAndClogPositionsAreUnsigned() {
        // heap block 5: map byte 1, bits 2..3
        assertEquals(0, PgConstants.heapBlkToMapBlock(5));
        assertEquals(1, PgConstants.heapBlkToMapByte(5));
        assertEquals(2, PgConstants.heapBlkToOffset(5));
        // u32::MAX: block 131457, byte 1047, bit 6
        assertEquals(131457, PgConstants.heapBlkToMapBlock(-1));
        assertEquals(1047, PgConstants.heapBlkToMapByte(-1));
        assertEquals(6, PgConstants.heapBlkToOffset(-1));
        // xid u32::MAX: CLOG page 131071, byte 8191, shift 6
        assertEquals(131071, PgConstants.clogPageNo(-1));
        assertEquals(8191, PgConstants.clogByteNo(-1));
        assertEquals(6, PgConstants.clogBitShift(-1));
        assertEquals(2, PgConstants.clogByteNo(32768 + 10));
        assertEquals(4, PgConstants.clogBitShift(32768 + 10));
    }
}
