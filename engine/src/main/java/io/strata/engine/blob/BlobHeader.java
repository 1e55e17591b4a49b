package io.strata.engine.blob;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A blob's header (FORMAT 6): 1 byte {@code 0LLLLLLL} for uncompressed payloads shorter than 128 bytes, else
 * 4 bytes {@code 1CCCLLLL LLLLLLLL LLLLLLLL LLLLLLLL} (big-endian) with the compression code in the high nibble
 * (0x8 uncompressed, 0x9 zstd; 0xA..0xF reserved) and a 28-bit stored length.
 *
 * @param headerLen   1 or 4
 * @param dataLen     stored (possibly compressed) payload bytes after the header
 * @param compression how the stored bytes are encoded
 */
public record BlobHeader(int headerLen, int dataLen, BlobCompression compression) {
    /** Largest payload (checked on the uncompressed length) a writer accepts: the 28 bits of a 4-byte header. */
    public static final int MAX_SUPPORTED_BLOB_LEN = 0x0FFF_FFFF;
    /** Payloads shorter than this, when stored uncompressed, get a 1-byte header. */
    public static final int SHORT_HEADER_LIMIT = 128;
    /** The high nibble of a 4-byte header's first byte. */
    public static final int LEN_COMPRESSION_BIT_MASK = 0xF0;
    public static final int BYTE_UNCOMPRESSED = 0x80;
    public static final int BYTE_ZSTD = 0x90;

    /** Header plus stored data: the distance to the next blob. */
    public int totalLen() {
        return headerLen + dataLen;
    }

    /** The header a writer uses for {@code dataLen} stored bytes with {@code compression}. */
    public static BlobHeader of(int dataLen, BlobCompression compression) {
        if (dataLen < 0 || dataLen > MAX_SUPPORTED_BLOB_LEN) {
            throw new BlobTooLargeException(dataLen);
        }
        int headerLen = dataLen < SHORT_HEADER_LIMIT && compression == BlobCompression.UNCOMPRESSED ? 1 : 4;
        return new BlobHeader(headerLen, dataLen, compression);
    }

    /** Writes this header at {@code index}; returns {@link #headerLen()}. */
    public int encode(MutableDirectBuffer dst, int index) {
        if (headerLen == 1) {
            dst.putByte(index, (byte) dataLen);
        } else {
            dst.putInt(index, (compression.code() << 24) | dataLen, ByteOrder.BIG_ENDIAN);
        }
        return headerLen;
    }

    /**
     * Decodes the header at {@code index} of {@code src}, of which {@code available} bytes from {@code index} on
     * are valid data. The header size comes from the top bit of the first byte only, so a 4-byte header with a
     * small length is accepted. Does not check that the payload is available.
     *
     * @param blobOffset the header's file offset, for error messages
     * @throws BlobCorruptionException for a reserved compression code or a header cut short
     */
    public static BlobHeader decode(DirectBuffer src, int index, int available, long blobOffset) {
        if (available < 1) {
            throw new BlobCorruptionException(blobOffset, "no data for the blob header");
        }
        int first = src.getByte(index) & 0xFF;
        if (first < 0x80) {
            return new BlobHeader(1, first, BlobCompression.UNCOMPRESSED);
        }
        if (available < 4) {
            throw new BlobCorruptionException(blobOffset, "4-byte blob header cut short: only " + available
                    + " bytes available");
        }
        int word = src.getInt(index, ByteOrder.BIG_ENDIAN);
        int code = first & LEN_COMPRESSION_BIT_MASK;
        BlobCompression compression;
        if (code == BYTE_UNCOMPRESSED) {
            compression = BlobCompression.UNCOMPRESSED;
        } else if (code == BYTE_ZSTD) {
            compression = BlobCompression.ZSTD;
        } else {
            throw new BlobCorruptionException(blobOffset, String.format(
                    "invalid compression code 0x%02X in header %08X (only 0x80 and 0x90 exist)", code, word));
        }
        return new BlobHeader(4, word & MAX_SUPPORTED_BLOB_LEN, compression);
    }
}
