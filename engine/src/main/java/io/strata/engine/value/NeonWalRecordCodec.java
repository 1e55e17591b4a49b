package io.strata.engine.value;

import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.bincode.BincodeReader;
import io.strata.engine.bincode.BincodeWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Bincode encoding of {@link NeonWalRecord}: the variant index, then the fields in declaration order. Neon's
 * variants are 0..8; Strata's {@link NeonWalRecord.Physical} is {@link NeonWalRecord.Physical#VARIANT_INDEX}.
 */
final class NeonWalRecordCodec {
    /** Neon's variants: 0 .. VARIANTS - 1. */
    static final int VARIANTS = 9;
    static final String VARIANT_EXPECTED = "NeonWalRecord variant (0.." + (VARIANTS - 1) + " or Strata's 0x"
            + Integer.toHexString(NeonWalRecord.Physical.VARIANT_INDEX) + ")";

    private NeonWalRecordCodec() {
    }

    static void encode(NeonWalRecord record, BincodeWriter w) {
        w.variant(record.variantIndex());
        if (record instanceof NeonWalRecord.Postgres r) {
            w.bool(r.willInit()).bytes(r.rec());
        } else if (record instanceof NeonWalRecord.ClearVisibilityMapFlags r) {
            optionU32(w, r.newHeapBlkno());
            optionU32(w, r.oldHeapBlkno());
            w.u8(r.flags());
        } else if (record instanceof NeonWalRecord.ClogSetCommitted r) {
            xids(w, r.xids());
            w.i64(r.timestamp());
        } else if (record instanceof NeonWalRecord.ClogSetAborted r) {
            xids(w, r.xids());
        } else if (record instanceof NeonWalRecord.MultixactOffsetCreate r) {
            w.u32(r.mid()).u32(r.moff());
        } else if (record instanceof NeonWalRecord.MultixactMembersCreate r) {
            w.u32(r.moff()).vecLen(r.members().size());
            for (MultiXactMember m : r.members()) {
                w.u32(m.xid()).u32(m.status());
            }
        } else if (record instanceof NeonWalRecord.AuxFile r) {
            w.string(r.filePath()).optionTag(r.content() != null);
            if (r.content() != null) {
                w.bytes(r.content());
            }
        } else if (record instanceof NeonWalRecord.TruncateVisibilityMap r) {
            w.usize(r.truncByte()).usize(r.truncOffs());
        } else if (record instanceof NeonWalRecord.Test r) {
            w.string(r.append()).bool(r.clear()).bool(r.willInit()).optionTag(r.onlyIf().isPresent());
            r.onlyIf().ifPresent(w::string);
        } else if (record instanceof NeonWalRecord.Physical r) {
            if (!r.inRange()) {
                throw new IllegalArgumentException("cannot encode " + r + ": " + (r.offset() < 0
                        ? "negative offset " + r.offset() : rangeProblem(r.offset(), r.bytes().length)));
            }
            w.u32(r.offset()).bytes(r.bytes()).bool(r.willInit());
        } else {
            throw new IllegalStateException("unknown record " + record);
        }
    }

    static NeonWalRecord decode(BincodeReader r) {
        int at = r.consumed();
        int variant = r.u32();
        if (variant == NeonWalRecord.Physical.VARIANT_INDEX) {
            return decodePhysical(r);
        }
        if (variant < 0 || variant >= VARIANTS) {
            throw new BincodeDecodeException(at, VARIANT_EXPECTED,
                    "invalid variant index " + Integer.toUnsignedLong(variant));
        }
        switch (variant) {
            case 0: {
                boolean willInit = r.bool();
                return new NeonWalRecord.Postgres(willInit, r.bytes());
            }
            case 1: {
                OptionalInt newBlk = optionU32(r);
                OptionalInt oldBlk = optionU32(r);
                return new NeonWalRecord.ClearVisibilityMapFlags(newBlk, oldBlk, r.u8());
            }
            case 2: {
                int[] xids = xids(r);
                return new NeonWalRecord.ClogSetCommitted(xids, r.i64());
            }
            case 3:
                return new NeonWalRecord.ClogSetAborted(xids(r));
            case 4: {
                int mid = r.u32();
                return new NeonWalRecord.MultixactOffsetCreate(mid, r.u32());
            }
            case 5: {
                int moff = r.u32();
                int n = r.vecLen(8);
                List<MultiXactMember> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int xid = r.u32();
                    members.add(new MultiXactMember(xid, r.u32()));
                }
                return new NeonWalRecord.MultixactMembersCreate(moff, members);
            }
            case 6: {
                String path = r.string();
                byte[] content = r.optionTag() ? r.bytes() : null;
                return new NeonWalRecord.AuxFile(path, content);
            }
            case 7: {
                long truncByte = r.usize();
                return new NeonWalRecord.TruncateVisibilityMap(truncByte, r.usize());
            }
            case 8: {
                String append = r.string();
                boolean clear = r.bool();
                boolean willInit = r.bool();
                Optional<String> onlyIf = r.optionTag() ? Optional.of(r.string()) : Optional.empty();
                return new NeonWalRecord.Test(append, clear, willInit, onlyIf);
            }
            default:
                throw new IllegalStateException("variant " + variant + " passed the range check");
        }
    }

    private static NeonWalRecord.Physical decodePhysical(BincodeReader r) {
        int at = r.consumed();
        int offset = r.u32();
        byte[] bytes = r.bytes();
        boolean willInit = r.bool();
        NeonWalRecord.Physical p = new NeonWalRecord.Physical(offset, bytes, willInit);
        if (!p.inRange()) {
            throw new BincodeDecodeException(at, "Physical record", rangeProblem(offset, bytes.length));
        }
        return p;
    }

    /** Why a Physical record's offset and length are refused (offset read as the u32 it is encoded as). */
    static String rangeProblem(int offset, int length) {
        return offset < 0
                ? "offset " + Integer.toUnsignedLong(offset) + " is past the maximum page size "
                        + NeonWalRecord.Physical.MAX_PAGE_SIZE
                : "offset " + offset + " + length " + length + " = " + ((long) offset + length)
                        + " is past the maximum page size " + NeonWalRecord.Physical.MAX_PAGE_SIZE;
    }

    private static void optionU32(BincodeWriter w, OptionalInt v) {
        w.optionTag(v.isPresent());
        if (v.isPresent()) {
            w.u32(v.getAsInt());
        }
    }

    private static OptionalInt optionU32(BincodeReader r) {
        return r.optionTag() ? OptionalInt.of(r.u32()) : OptionalInt.empty();
    }

    private static void xids(BincodeWriter w, int[] xids) {
        w.vecLen(xids.length);
        for (int xid : xids) {
            w.u32(xid);
        }
    }

    private static int[] xids(BincodeReader r) {
        int[] xids = new int[r.vecLen(4)];
        for (int i = 0; i < xids.length; i++) {
            xids[i] = r.u32();
        }
        return xids;
    }
}
