package io.strata.engine.value;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A change to one page: a Postgres WAL record, or one of Neon's own records (FORMAT 10.3). The permitted records
 * are in Neon's declaration order, which is their bincode variant index ({@link #variantIndex()}).
 *
 * <p><b>Strata extension.</b> {@link Physical} is not one of Neon's variants: it is Strata's generic "write these
 * bytes at this offset" record, so that pages can be versioned without PostgreSQL. Its bincode variant index is
 * {@link Physical#VARIANT_INDEX} ({@code 0x53540001}, "ST" then 1), far from Neon's 0..8 so that Neon never
 * assigns it. Layer files containing it are <b>not readable by Neon</b> (Neon's decoder fails with an unknown
 * variant); files without it stay byte-identical to Neon's.
 *
 * <p>Rust's unsigned integers are held in Java's signed types bit for bit ({@code u32} in an {@code int},
 * {@code usize} in a {@code long}); {@code u8} flags are an int in 0..255.
 */
public sealed interface NeonWalRecord {

    /** Whether replaying this record initializes the page from scratch (no older version needed). */
    default boolean willInit() {
        return false;
    }

    /** The bincode variant index. */
    int variantIndex();

    /** A native Postgres WAL record ({@code rec}) and whether it initializes the page. Variant 0. */
    record Postgres(boolean willInit, byte[] rec) implements NeonWalRecord {
        public Postgres {
            Objects.requireNonNull(rec, "rec");
        }

        @Override
        public int variantIndex() {
            return 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Postgres p && willInit == p.willInit && Arrays.equals(rec, p.rec);
        }

        @Override
        public int hashCode() {
            return 31 * Boolean.hashCode(willInit) + Arrays.hashCode(rec);
        }

        @Override
        public String toString() {
            return "Postgres[willInit=" + willInit + ", rec=" + rec.length + " bytes]";
        }
    }

    /** Clear bits ({@code flags}, u8) in the heap visibility map for up to two heap blocks. Variant 1. */
    record ClearVisibilityMapFlags(OptionalInt newHeapBlkno, OptionalInt oldHeapBlkno, int flags)
            implements NeonWalRecord {
        public ClearVisibilityMapFlags {
            Objects.requireNonNull(newHeapBlkno, "newHeapBlkno");
            Objects.requireNonNull(oldHeapBlkno, "oldHeapBlkno");
            if ((flags & ~0xFF) != 0) {
                throw new IllegalArgumentException("flags is a u8, got " + flags);
            }
        }

        @Override
        public int variantIndex() {
            return 1;
        }
    }

    /** Mark transactions committed on a CLOG page, with the commit timestamp (TimestampTz, i64). Variant 2. */
    record ClogSetCommitted(int[] xids, long timestamp) implements NeonWalRecord {
        public ClogSetCommitted {
            Objects.requireNonNull(xids, "xids");
        }

        @Override
        public int variantIndex() {
            return 2;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ClogSetCommitted c && timestamp == c.timestamp && Arrays.equals(xids, c.xids);
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(timestamp) + Arrays.hashCode(xids);
        }

        @Override
        public String toString() {
            return "ClogSetCommitted[xids=" + Arrays.toString(xids) + ", timestamp=" + timestamp + "]";
        }
    }

    /** Mark transactions aborted on a CLOG page. Variant 3. */
    record ClogSetAborted(int[] xids) implements NeonWalRecord {
        public ClogSetAborted {
            Objects.requireNonNull(xids, "xids");
        }

        @Override
        public int variantIndex() {
            return 3;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ClogSetAborted c && Arrays.equals(xids, c.xids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(xids);
        }

        @Override
        public String toString() {
            return "ClogSetAborted[xids=" + Arrays.toString(xids) + "]";
        }
    }

    /** Extend the multixact offsets SLRU: multixact {@code mid} starts at member offset {@code moff}. Variant 4. */
    record MultixactOffsetCreate(int mid, int moff) implements NeonWalRecord {
        @Override
        public int variantIndex() {
            return 4;
        }
    }

    /** Extend the multixact members SLRU at offset {@code moff}. Variant 5. */
    record MultixactMembersCreate(int moff, List<MultiXactMember> members) implements NeonWalRecord {
        public MultixactMembersCreate {
            members = List.copyOf(members);
        }

        @Override
        public int variantIndex() {
            return 5;
        }
    }

    /**
     * Write ({@code content} non-null) or drop ({@code content} null) an AUX file. Variant 6.
     * {@code content} is Rust's {@code Option<Bytes>}; see {@link #contentIfPresent()}.
     */
    record AuxFile(String filePath, byte[] content) implements NeonWalRecord {
        public AuxFile {
            Objects.requireNonNull(filePath, "filePath");
        }

        public Optional<byte[]> contentIfPresent() {
            return Optional.ofNullable(content);
        }

        @Override
        public int variantIndex() {
            return 6;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof AuxFile a && filePath.equals(a.filePath) && Arrays.equals(content, a.content);
        }

        @Override
        public int hashCode() {
            return 31 * filePath.hashCode() + Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return "AuxFile[filePath=" + filePath + ", content="
                    + (content == null ? "None" : content.length + " bytes") + "]";
        }
    }

    /** Truncate a visibility map page at byte {@code truncByte}, bit offset {@code truncOffs} (usize). Variant 7. */
    record TruncateVisibilityMap(long truncByte, long truncOffs) implements NeonWalRecord {
        @Override
        public int variantIndex() {
            return 7;
        }
    }

    /**
     * Neon's test record (only in its {@code testing} builds): append {@code append} to the image, after clearing
     * it if {@code clear}, only if the image equals {@code onlyIf} when present. Variant 8.
     */
    record Test(String append, boolean clear, boolean willInit, Optional<String> onlyIf) implements NeonWalRecord {
        public Test {
            Objects.requireNonNull(append, "append");
            Objects.requireNonNull(onlyIf, "onlyIf");
        }

        /** Neon's {@code wal_append}. */
        public static Test walAppend(String s) {
            return new Test(s, false, false, Optional.empty());
        }

        /** Neon's {@code wal_append_conditional}. */
        public static Test walAppendConditional(String s, String onlyIf) {
            return new Test(s, false, false, Optional.of(onlyIf));
        }

        /** Neon's {@code wal_clear}. */
        public static Test walClear(String s) {
            return new Test(s, true, false, Optional.empty());
        }

        /** Neon's {@code wal_init}. */
        public static Test walInit(String s) {
            return new Test(s, true, true, Optional.empty());
        }

        @Override
        public int variantIndex() {
            return 8;
        }
    }

    /**
     * Strata's generic physical record (not a Neon variant, see the interface's Javadoc): write {@code bytes} at
     * {@code offset} of the page, zero-extending the page as needed (the page is then
     * {@code max(length, offset + bytes.length)} bytes long); {@code willInit} starts from an empty page, so no
     * older version is needed. Bincode: variant {@link #VARIANT_INDEX}, then {@code offset} (u32), {@code bytes}
     * (u64 length and the bytes), {@code willInit} (bool).
     *
     * <p>The constructor does not check the range, so that a bad record read from elsewhere still reaches redo,
     * which refuses it naming the key and LSN; the codec refuses to write or read one
     * ({@code offset >= 0} and {@code offset + bytes.length <= }{@link #MAX_PAGE_SIZE}).
     */
    record Physical(int offset, byte[] bytes, boolean willInit) implements NeonWalRecord {
        /** The bincode variant index: "ST" (0x5354) and 1. */
        public static final int VARIANT_INDEX = 0x5354_0001;
        /** The largest page a Physical record may produce: 1 GiB. */
        public static final int MAX_PAGE_SIZE = 1 << 30;

        public Physical {
            Objects.requireNonNull(bytes, "bytes");
        }

        /** Whether {@code offset} and the length stay within {@code [0, MAX_PAGE_SIZE]}. */
        public boolean inRange() {
            return offset >= 0 && (long) offset + bytes.length <= MAX_PAGE_SIZE;
        }

        @Override
        public int variantIndex() {
            return VARIANT_INDEX;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Physical p && offset == p.offset && willInit == p.willInit
                    && Arrays.equals(bytes, p.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * offset + Boolean.hashCode(willInit)) + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Physical[offset=" + offset + ", bytes=" + bytes.length + " bytes, willInit=" + willInit + "]";
        }
    }
}
