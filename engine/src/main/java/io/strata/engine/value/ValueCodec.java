package io.strata.engine.value;

import io.strata.engine.bincode.BincodeReader;
import io.strata.engine.bincode.BincodeWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Bincode encoding of {@link Value}: u32 variant (0 Image, 1 WalRecord), then the payload. */
public final class ValueCodec {
    private ValueCodec() {
    }

    /** Appends the bincode form of {@code value} to {@code w} (lets a delta writer reuse one buffer). */
    public static void encode(Value value, BincodeWriter w) {
        if (value instanceof Value.Image image) {
            encodeImageHead(image.bytes().length, w);
            w.raw(image.bytes());
        } else if (value instanceof Value.WalRecord rec) {
            w.variant(1);
            NeonWalRecordCodec.encode(rec.record(), w);
        } else {
            throw new IllegalStateException("unknown value " + value);
        }
    }

    /**
     * The head of an image's encoding, variant 0 and the u64 length: {@link #encode} of an image is this head, then
     * the {@code imageLength} bytes. Lets a writer put the image bytes after it without copying them twice.
     */
    public static void encodeImageHead(int imageLength, BincodeWriter w) {
        w.variant(0).u64(imageLength);
    }

    /** Decodes one value from {@code r}, leaving any bytes after it to the caller. */
    public static Value decode(BincodeReader r) {
        int variant = r.variant("Value", 2);
        if (variant == 0) {
            return new Value.Image(r.bytes());
        }
        return new Value.WalRecord(NeonWalRecordCodec.decode(r));
    }

    public static byte[] serialize(Value value) {
        BincodeWriter w = new BincodeWriter();
        encode(value, w);
        return w.toByteArray();
    }

    public static Value deserialize(byte[] bytes) {
        return deserialize(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /** Strict: the region must contain exactly one value. */
    public static Value deserialize(DirectBuffer buffer, int offset, int length) {
        BincodeReader r = BincodeReader.strict(buffer, offset, length);
        Value v = decode(r);
        r.finish();
        return v;
    }
}
