package io.strata.engine.layer;

import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.bincode.BincodeReader;
import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.agrona.DirectBuffer;

/**
 * The bincode steps both summaries share: the header fields in declaration order, the checks of magic and
 * version that make a wrong or foreign file fail with a message naming it, and the field-by-field comparison.
 */
public final class SummaryCodec {
    private SummaryCodec() {
    }

    /** A prefix-mode reader over the summary block (the zero tail is ignored). */
    public static BincodeReader reader(DirectBuffer block) {
        return BincodeReader.prefix(block, 0, block.capacity());
    }

    /** Reads and checks magic and format version; a mismatch names the file and what it found. */
    public static void readHeader(BincodeReader r, int expectedMagic, Path path) {
        int magic = r.u16();
        if (magic != expectedMagic) {
            throw new LayerCorruptionException(path, String.format("bad magic 0x%04X (%s), expected 0x%04X (%s)",
                    magic, LayerFormat.describeMagic(magic), expectedMagic, LayerFormat.describeMagic(expectedMagic)));
        }
        int version = r.u16();
        if (version != LayerFormat.STORAGE_FORMAT_VERSION) {
            throw new LayerCorruptionException(path, "unsupported format version " + version + ", expected "
                    + LayerFormat.STORAGE_FORMAT_VERSION);
        }
    }

    public static TenantId tenantId(BincodeReader r) {
        return TenantId.fromBytes(r.raw(16));
    }

    public static TimelineId timelineId(BincodeReader r) {
        return TimelineId.fromBytes(r.raw(16));
    }

    public static Key key(BincodeReader r) {
        return Key.fromBytes(r.raw(Key.KEY_SIZE));
    }

    public static KeyRange keyRange(BincodeReader r) {
        return new KeyRange(key(r), key(r));
    }

    public static Lsn lsn(BincodeReader r) {
        return new Lsn(r.u64());
    }

    public static long u32(BincodeReader r) {
        return Integer.toUnsignedLong(r.u32());
    }

    /** Runs {@code decode}, turning a bincode failure into a corruption error naming the file. */
    public static <S> S decode(Path path, Supplier<S> decode) {
        try {
            return decode.get();
        } catch (BincodeDecodeException e) {
            throw new LayerCorruptionException(path, "undecodable summary: " + e.getMessage(), e);
        }
    }

    public static void writeHeader(BincodeWriter w, LayerSummary s) {
        byte[] id = new byte[16];
        w.u16(s.magic()).u16(s.formatVersion());
        s.tenantId().writeTo(id, 0);
        w.raw(id);
        s.timelineId().writeTo(id, 0);
        w.raw(id);
        writeKey(w, s.keyRange().start());
        writeKey(w, s.keyRange().end());
    }

    public static void writeKey(BincodeWriter w, Key key) {
        w.raw(key.toBytes());
    }

    public static void writeIndex(BincodeWriter w, LayerSummary s) {
        w.u32((int) s.indexStartBlk()).u32((int) s.indexRootBlk());
    }

    /** Compares the shared fields in declaration order: magic, format_version, tenant_id, key_range. */
    public static void validateHeader(LayerSummary actual, LayerSummary expected, Path path) {
        LayerSummaryMismatchException.check(path, actual, expected, "magic", actual.magic(), expected.magic());
        LayerSummaryMismatchException.check(path, actual, expected, "format_version", actual.formatVersion(),
                expected.formatVersion());
        LayerSummaryMismatchException.check(path, actual, expected, "tenant_id", actual.tenantId(),
                expected.tenantId());
        LayerSummaryMismatchException.check(path, actual, expected, "key_range", actual.keyRange(),
                expected.keyRange());
    }

    /** Checks a u32 field given as a long. */
    public static long checkU32(String field, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(field + " " + value + " is not a u32");
        }
        return value;
    }

    public static int checkU16(String field, int value) {
        if ((value & ~0xFFFF) != 0) {
            throw new IllegalArgumentException(field + " " + value + " is not a u16");
        }
        return value;
    }
}
