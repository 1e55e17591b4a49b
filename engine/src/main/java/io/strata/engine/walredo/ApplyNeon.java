package io.strata.engine.walredo;

import static io.strata.engine.walredo.PgConstants.BLCKSZ;
import static io.strata.engine.walredo.PgConstants.MAXALIGN_SIZE_OF_PAGE_HEADER_DATA;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.MultiXactMember;
import io.strata.engine.value.NeonWalRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neon's {@code apply_neon.rs}: applies one non-Postgres record to a page, with the same bit arithmetic and the
 * same checks. Where Neon panics (an {@code assert!}, an index out of bounds) this throws {@link RedoFailure} with
 * Neon's assertion message, or one naming the offending offset; where Neon only warns, this warns too.
 */
final class ApplyNeon {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyNeon.class);

    /** {@code SlruKind}, in Neon's order (the key's field2). */
    enum SlruKind {
        CLOG, MULTIXACT_MEMBERS, MULTIXACT_OFFSETS
    }

    private ApplyNeon() {
    }

    /** Neon's {@code can_apply_in_neon}: everything but a Postgres record. */
    static boolean canApplyInNeon(NeonWalRecord record) {
        return !(record instanceof NeonWalRecord.Postgres);
    }

    /** Neon's {@code apply_in_neon}: applies {@code record}, logged at {@code lsn}, to {@code page} of {@code key}. */
    static void apply(NeonWalRecord record, Lsn lsn, Key key, Page page) {
        if (record instanceof NeonWalRecord.Postgres) {
            throw new RedoFailure("tried to pass postgres wal record to neon WAL redo");
        } else if (record instanceof NeonWalRecord.TruncateVisibilityMap r) {
            truncateVisibilityMap(r, key, page);
        } else if (record instanceof NeonWalRecord.ClearVisibilityMapFlags r) {
            clearVisibilityMapFlags(r, lsn, key, page);
        } else if (record instanceof NeonWalRecord.ClogSetCommitted r) {
            clogSetStatus("ClogSetCommitted", r.xids(), PgConstants.TRANSACTION_STATUS_COMMITTED, key, page);
            appendClogTimestamp(r.timestamp(), key, page);
        } else if (record instanceof NeonWalRecord.ClogSetAborted r) {
            clogSetStatus("ClogSetAborted", r.xids(), PgConstants.TRANSACTION_STATUS_ABORTED, key, page);
        } else if (record instanceof NeonWalRecord.MultixactOffsetCreate r) {
            multixactOffsetCreate(r, key, page);
        } else if (record instanceof NeonWalRecord.MultixactMembersCreate r) {
            multixactMembersCreate(r, key, page);
        } else if (record instanceof NeonWalRecord.AuxFile) {
            // No-op, as in Neon: this record is never created with aux v2.
            LOG.warn("AuxFile record should not be created in aux v2 (key {}, lsn {}): ignored", key, lsn);
        } else if (record instanceof NeonWalRecord.Test r) {
            test(r, page);
        } else if (record instanceof NeonWalRecord.Physical r) {
            physical(r, page);
        } else {
            throw new RedoFailure("unknown record " + record);
        }
    }

    // ------------------------------------------------------------------------------------- visibility map

    /** Postgres's {@code visibilitymap_prepare_truncate}. */
    private static void truncateVisibilityMap(NeonWalRecord.TruncateVisibilityMap r, Key key, Page page) {
        requireVmKey("TruncateVisibilityMap", key);
        int mapLength = mapLength(page);
        // map[trunc_byte + 1..].fill(0) needs trunc_byte + 1 <= map.len(); map[trunc_byte] needs trunc_byte < len
        if (Long.compareUnsigned(r.truncByte(), mapLength) >= 0) {
            throw new RedoFailure("trunc_byte " + Long.toUnsignedString(r.truncByte())
                    + " is outside the visibility map of " + mapLength + " bytes (page of " + page.length() + ")");
        }
        // (1u8 << trunc_offs) overflows past 7 (a panic in Neon's debug builds)
        if (Long.compareUnsigned(r.truncOffs(), 8) >= 0) {
            throw new RedoFailure("trunc_offs " + Long.toUnsignedString(r.truncOffs()) + " is not a bit of a byte (0..7)");
        }
        int at = MAXALIGN_SIZE_OF_PAGE_HEADER_DATA + (int) r.truncByte();
        page.zeroFrom(at + 1);
        // ((1 << 0) - 1) = 00000000, ((1 << 1) - 1) = 00000001, ..., ((1 << 7) - 1) = 01111111
        page.set(at, page.get(at) & ((1 << r.truncOffs()) - 1));
    }

    private static void clearVisibilityMapFlags(NeonWalRecord.ClearVisibilityMapFlags r, Lsn lsn, Key key,
            Page page) {
        int blknum = requireVmKey("ClearVisibilityMapFlags", key);
        clearHeapBlock(r.newHeapBlkno(), r.flags(), blknum, lsn, page);
        clearHeapBlock(r.oldHeapBlkno(), r.flags(), blknum, lsn, page);
    }

    private static void clearHeapBlock(OptionalInt heapBlkno, int flags, int blknum, Lsn lsn, Page page) {
        if (heapBlkno.isEmpty()) {
            return;
        }
        int heapBlk = heapBlkno.getAsInt();
        // the VM block and offset that correspond to the heap block
        int mapBlock = PgConstants.heapBlkToMapBlock(heapBlk);
        int mapByte = PgConstants.heapBlkToMapByte(heapBlk);
        int mapOffset = PgConstants.heapBlkToOffset(heapBlk);
        // Neon: assert!(map_block == blknum)
        if (mapBlock != blknum) {
            throw new RedoFailure("assertion failed: map_block == blknum (heap block " + Integer.toUnsignedString(heapBlk)
                    + " is in visibility map block " + Integer.toUnsignedString(mapBlock) + ", the key is block "
                    + Integer.toUnsignedString(blknum) + ")");
        }
        mapLength(page);
        int at = MAXALIGN_SIZE_OF_PAGE_HEADER_DATA + mapByte;
        // map[map_byte] &= !(flags << map_offset), all in u8
        page.set(at, page.get(at) & ~(flags << mapOffset) & 0xFF);
        // Never set the LSN on a new (empty) page: that would make matters worse.
        if (!pageIsNew(page)) {
            pageSetLsn(page, lsn);
        }
    }

    /** The key must be a relation block ({@code to_rel_block}) of the visibility map fork; returns the block. */
    private static int requireVmKey(String what, Key key) {
        if (key.field1() != 0x00) {
            throw new RedoFailure("invalid record: unexpected value kind " + hex2(key.field1()));
        }
        if (key.field5() != Key.VISIBILITYMAP_FORKNUM) {
            throw new RedoFailure(what + " record on unexpected rel " + relTag(key));
        }
        return key.field6();
    }

    /** The visibility map is the page after its header ({@code PageGetContents}). */
    private static int mapLength(Page page) {
        if (page.length() < MAXALIGN_SIZE_OF_PAGE_HEADER_DATA) {
            throw new RedoFailure("a visibility map page of " + page.length() + " bytes is shorter than its "
                    + MAXALIGN_SIZE_OF_PAGE_HEADER_DATA + "-byte header");
        }
        return page.length() - MAXALIGN_SIZE_OF_PAGE_HEADER_DATA;
    }

    /** {@code page_is_new}: pd_upper (bytes 14..16) is zero. */
    static boolean pageIsNew(Page page) {
        return page.get(14) == 0 && page.get(15) == 0;
    }

    /** {@code page_set_lsn}: pd_lsn is {xlogid, xrecoff}, two little-endian u32s. */
    static void pageSetLsn(Page page, Lsn lsn) {
        page.putIntLE(0, (int) (lsn.value() >>> 32));
        page.putIntLE(4, (int) lsn.value());
    }

    // ------------------------------------------------------------------------------------- CLOG

    private static void clogSetStatus(String what, int[] xids, int status, Key key, Page page) {
        int[] slru = slruBlock(key);
        if (slru[0] != SlruKind.CLOG.ordinal()) {
            throw new RedoFailure(what + " record with unexpected key " + key);
        }
        for (int xid : xids) {
            int pageno = PgConstants.clogPageNo(xid);
            // the CLOG block of this xid must be the key's
            if (slru[1] != pageno / PgConstants.SLRU_PAGES_PER_SEGMENT
                    || slru[2] != pageno % PgConstants.SLRU_PAGES_PER_SEGMENT) {
                throw new RedoFailure(what + " record for XID " + Integer.toUnsignedString(xid)
                        + " with unexpected key " + key);
            }
            transactionIdSetStatus(xid, status, page);
        }
    }

    /** {@code transaction_id_set_status}. */
    static void transactionIdSetStatus(int xid, int status, Page page) {
        int byteno = PgConstants.clogByteNo(xid);
        int bshift = PgConstants.clogBitShift(xid);
        page.set(byteno, (page.get(byteno) & ~(PgConstants.CLOG_XACT_BITMASK << bshift)) | (status << bshift));
    }

    /** The commit timestamp follows the 8192-byte CLOG page, replacing an older one. */
    private static void appendClogTimestamp(long timestamp, Key key, Page page) {
        if (page.length() == BLCKSZ + 8) {
            page.truncate(BLCKSZ);
        }
        if (page.length() == BLCKSZ) {
            page.appendLongBE(timestamp);
        } else {
            LOG.warn("CLOG blk {} in seg {} has invalid size {} (key {}): commit timestamp not appended",
                    Integer.toUnsignedString(key.field6()), Integer.toUnsignedString(key.field4()), page.length(), key);
        }
    }

    // ------------------------------------------------------------------------------------- multixact

    private static void multixactOffsetCreate(NeonWalRecord.MultixactOffsetCreate r, Key key, Page page) {
        int[] slru = slruBlock(key);
        if (slru[0] != SlruKind.MULTIXACT_OFFSETS.ordinal()) {
            throw new RedoFailure("MultixactOffsetCreate record with unexpected key " + key);
        }
        // the block and offset to modify, as RecordNewMultiXact computes them
        int pageno = Integer.divideUnsigned(r.mid(), PgConstants.MULTIXACT_OFFSETS_PER_PAGE);
        int entryno = Integer.remainderUnsigned(r.mid(), PgConstants.MULTIXACT_OFFSETS_PER_PAGE);
        int offset = entryno * 4;
        if (slru[1] != pageno / PgConstants.SLRU_PAGES_PER_SEGMENT
                || slru[2] != pageno % PgConstants.SLRU_PAGES_PER_SEGMENT) {
            throw new RedoFailure("MultiXactOffsetsCreate record for multi-xid " + Integer.toUnsignedString(r.mid())
                    + " with unexpected key " + key);
        }
        page.putIntLE(offset, r.moff());
    }

    private static void multixactMembersCreate(NeonWalRecord.MultixactMembersCreate r, Key key, Page page) {
        int[] slru = slruBlock(key);
        if (slru[0] != SlruKind.MULTIXACT_MEMBERS.ordinal()) {
            throw new RedoFailure("MultixactMembersCreate record with unexpected key " + key);
        }
        List<MultiXactMember> members = r.members();
        for (int i = 0; i < members.size(); i++) {
            MultiXactMember member = members.get(i);
            int offset = r.moff() + i; // u32, wrapping as in Neon's release builds
            int pageno = PgConstants.mxOffsetToMemberPage(offset);
            int memberoff = PgConstants.mxOffsetToMemberOffset(offset);
            int flagsoff = PgConstants.mxOffsetToFlagsOffset(offset);
            int bshift = PgConstants.mxOffsetToFlagsBitshift(offset);
            if (slru[1] != pageno / PgConstants.SLRU_PAGES_PER_SEGMENT
                    || slru[2] != pageno % PgConstants.SLRU_PAGES_PER_SEGMENT) {
                throw new RedoFailure("MultiXactMembersCreate record for offset " + Integer.toUnsignedString(r.moff())
                        + " with unexpected key " + key);
            }
            int flagsval = page.getIntLE(flagsoff);
            flagsval &= ~(((1 << PgConstants.MXACT_MEMBER_BITS_PER_XACT) - 1) << bshift);
            flagsval |= member.status() << bshift;
            page.putIntLE(flagsoff, flagsval);
            page.putIntLE(memberoff, member.xid());
        }
    }

    /** {@code Key::to_slru_block}: {kind ordinal, segno, blknum}. */
    private static int[] slruBlock(Key key) {
        if (key.field1() != 0x01) {
            throw new RedoFailure("invalid record: unexpected value kind " + hex2(key.field1()));
        }
        if (Integer.compareUnsigned(key.field2(), 2) > 0) {
            throw new RedoFailure("invalid record: unrecognized slru kind " + hex2(key.field2()));
        }
        return new int[] {key.field2(), key.field4(), key.field6()};
    }

    // ------------------------------------------------------------------------------------- Test, Physical

    /** Neon's test record (its {@code testing} feature). */
    private static void test(NeonWalRecord.Test r, Page page) {
        if (r.willInit()) {
            if (!r.clear()) {
                throw new RedoFailure("init record must be clear to ensure correctness");
            }
            if (!page.isEmpty()) {
                throw new RedoFailure("init record must be the first entry to ensure correctness");
            }
        }
        if (r.clear()) {
            page.clear();
        }
        if (r.onlyIf().isPresent() && !page.contentEquals(r.onlyIf().get().getBytes(StandardCharsets.UTF_8))) {
            throw new RedoFailure("the current image does not match the expected image, cannot append");
        }
        page.append(r.append().getBytes(StandardCharsets.UTF_8));
    }

    /** Strata's record: will_init empties the page, then the bytes are written at the offset. */
    private static void physical(NeonWalRecord.Physical r, Page page) {
        if (r.offset() < 0) {
            throw new RedoFailure("Physical record has a negative offset " + r.offset());
        }
        long end = (long) r.offset() + r.bytes().length;
        if (end > NeonWalRecord.Physical.MAX_PAGE_SIZE) {
            throw new RedoFailure("Physical record writes " + r.bytes().length + " bytes at offset " + r.offset()
                    + ", up to " + end + ", past the maximum page size " + NeonWalRecord.Physical.MAX_PAGE_SIZE);
        }
        if (r.willInit()) {
            page.clear();
        }
        page.write(r.offset(), r.bytes());
    }

    // ------------------------------------------------------------------------------------- formatting

    /** Rust's {@code {:02x}}. */
    private static String hex2(int v) {
        String h = Integer.toHexString(v);
        return "0x" + (h.length() < 2 ? "0" + h : h);
    }

    /** Neon's {@code RelTag} display: {@code spc/db/rel} and {@code _fsm}, {@code _vm}, {@code _init}. */
    static String relTag(Key key) {
        String base = Integer.toUnsignedString(key.field2()) + "/" + Integer.toUnsignedString(key.field3()) + "/"
                + Integer.toUnsignedString(key.field4());
        return switch (key.field5()) {
            case 0 -> base;
            case 1 -> base + "_fsm";
            case 2 -> base + "_vm";
            case 3 -> base + "_init";
            default -> base + "_UNKNOWN FORKNUM";
        };
    }
}
