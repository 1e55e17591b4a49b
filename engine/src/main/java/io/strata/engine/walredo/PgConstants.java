package io.strata.engine.walredo;

/**
 * The PostgreSQL constants and page helpers that Neon's built-in redo uses (Neon's {@code postgres_ffi}:
 * {@code pg_constants.rs}, {@code nonrelfile_utils.rs}, {@code lib.rs}), for the default block size of 8192.
 * Transaction and multixact ids are u32 held in an int; all their arithmetic here is unsigned.
 */
final class PgConstants {
    /** Postgres's block size ({@code BLCKSZ}). */
    static final int BLCKSZ = 8192;

    /** {@code size_of::<PageHeaderData>()} rounded up to 8: the start of a page's contents. */
    static final int MAXALIGN_SIZE_OF_PAGE_HEADER_DATA = 24;

    // clog.h
    static final int CLOG_XACTS_PER_BYTE = 4;
    static final int CLOG_XACTS_PER_PAGE = BLCKSZ * CLOG_XACTS_PER_BYTE;
    static final int CLOG_BITS_PER_XACT = 2;
    static final int CLOG_XACT_BITMASK = (1 << CLOG_BITS_PER_XACT) - 1;
    static final int TRANSACTION_STATUS_COMMITTED = 0x01;
    static final int TRANSACTION_STATUS_ABORTED = 0x02;

    // visibilitymap.c (Neon's SIZE_OF_PAGE_HEADER is 24 too)
    static final int SIZE_OF_PAGE_HEADER = 24;
    static final int BITS_PER_HEAPBLOCK = 2;
    static final int HEAPBLOCKS_PER_BYTE = 8 / BITS_PER_HEAPBLOCK;
    static final int HEAPBLOCKS_PER_PAGE = (BLCKSZ - SIZE_OF_PAGE_HEADER) * 8 / BITS_PER_HEAPBLOCK;

    // slru.h
    static final int SLRU_PAGES_PER_SEGMENT = 32;

    // multixact.c
    static final int MULTIXACT_OFFSETS_PER_PAGE = BLCKSZ / 4;
    static final int MXACT_MEMBER_BITS_PER_XACT = 8;
    static final int MXACT_MEMBER_FLAGS_PER_BYTE = 1;
    static final int MULTIXACT_FLAGBYTES_PER_GROUP = 4;
    static final int MULTIXACT_MEMBERS_PER_MEMBERGROUP = MULTIXACT_FLAGBYTES_PER_GROUP * MXACT_MEMBER_FLAGS_PER_BYTE;
    static final int MULTIXACT_MEMBERGROUP_SIZE = 4 * MULTIXACT_MEMBERS_PER_MEMBERGROUP + MULTIXACT_FLAGBYTES_PER_GROUP;
    static final int MULTIXACT_MEMBERGROUPS_PER_PAGE = BLCKSZ / MULTIXACT_MEMBERGROUP_SIZE;
    static final int MULTIXACT_MEMBERS_PER_PAGE = MULTIXACT_MEMBERGROUPS_PER_PAGE * MULTIXACT_MEMBERS_PER_MEMBERGROUP;

    private PgConstants() {
    }

    /** {@code HEAPBLK_TO_MAPBLOCK}: the visibility map block of a heap block. */
    static int heapBlkToMapBlock(int heapBlk) {
        return Integer.divideUnsigned(heapBlk, HEAPBLOCKS_PER_PAGE);
    }

    /** {@code HEAPBLK_TO_MAPBYTE}: the byte of the map (after the page header) holding a heap block's bits. */
    static int heapBlkToMapByte(int heapBlk) {
        return Integer.remainderUnsigned(heapBlk, HEAPBLOCKS_PER_PAGE) / HEAPBLOCKS_PER_BYTE;
    }

    /** {@code HEAPBLK_TO_OFFSET}: the bit offset of a heap block's bits in its map byte. */
    static int heapBlkToOffset(int heapBlk) {
        return Integer.remainderUnsigned(heapBlk, HEAPBLOCKS_PER_BYTE) * BITS_PER_HEAPBLOCK;
    }

    /** The byte of a CLOG page holding {@code xid}'s status ({@code transaction_id_set_status}'s byteno). */
    static int clogByteNo(int xid) {
        return Integer.remainderUnsigned(xid, CLOG_XACTS_PER_PAGE) / CLOG_XACTS_PER_BYTE;
    }

    /** The bit shift of {@code xid}'s status in its CLOG byte. */
    static int clogBitShift(int xid) {
        return Integer.remainderUnsigned(xid, CLOG_XACTS_PER_BYTE) * CLOG_BITS_PER_XACT;
    }

    /** The CLOG page number of {@code xid} ({@code xid / CLOG_XACTS_PER_PAGE}). */
    static int clogPageNo(int xid) {
        return Integer.divideUnsigned(xid, CLOG_XACTS_PER_PAGE);
    }

    /** {@code mx_offset_to_flags_offset}: where the flag word of a member's group starts in its page. */
    static int mxOffsetToFlagsOffset(int offset) {
        return Integer.remainderUnsigned(Integer.divideUnsigned(offset, MULTIXACT_MEMBERS_PER_MEMBERGROUP),
                MULTIXACT_MEMBERGROUPS_PER_PAGE) * MULTIXACT_MEMBERGROUP_SIZE;
    }

    /** {@code mx_offset_to_flags_bitshift}: {@code (offset as u16) % 4 * 8}. */
    static int mxOffsetToFlagsBitshift(int offset) {
        return (offset & 0xFFFF) % MULTIXACT_MEMBERS_PER_MEMBERGROUP * MXACT_MEMBER_BITS_PER_XACT;
    }

    /** {@code mx_offset_to_member_offset}: where a member's TransactionId is in its page. */
    static int mxOffsetToMemberOffset(int offset) {
        return mxOffsetToFlagsOffset(offset)
                + MULTIXACT_FLAGBYTES_PER_GROUP + (offset & 0xFFFF) % MULTIXACT_MEMBERS_PER_MEMBERGROUP * 4;
    }

    /** {@code mx_offset_to_member_page}. */
    static int mxOffsetToMemberPage(int offset) {
        return Integer.divideUnsigned(offset, MULTIXACT_MEMBERS_PER_PAGE);
    }

    /** {@code mx_offset_to_member_segment}. */
    static int mxOffsetToMemberSegment(int offset) {
        return mxOffsetToMemberPage(offset) / SLRU_PAGES_PER_SEGMENT;
    }
}
