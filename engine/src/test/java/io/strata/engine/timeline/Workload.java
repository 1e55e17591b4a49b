package io.strata.engine.timeline;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deterministic stream of records and its oracle: record i (i >= 1) is at LSN {@code start + 8 i}, on key
 * {@code (i * 7919) mod keys} of one relation; the first record of every key and every fifth record is a page
 * image ({@code "k<key>@<i>;"} padded to {@code imageSize}), the others are Neon test records appending
 * {@code "+<i>"}. Since records are a function of their index, a writer that crashed can resume from any LSN and a
 * checker can compute every page at every LSN from the index alone.
 */
public final class Workload {
    public static final int STEP = 8;
    public final Lsn start;
    public final int keys;
    public final int imageSize;

    /** @param keys not a multiple of 5, so that every key keeps getting images and its page stays small */
    public Workload(Lsn start, int keys, int imageSize) {
        if (keys % 5 == 0 || keys % 7919 == 0) {
            throw new IllegalArgumentException("keys must not be a multiple of 5 or 7919: " + keys);
        }
        this.start = start;
        this.keys = keys;
        this.imageSize = imageSize;
    }

    public Lsn lsn(long i) {
        return start.add(STEP * i);
    }

    /** The index of the record at {@code lsn}, or of the last record below it. */
    public long indexAtOrBelow(Lsn lsn) {
        if (lsn.compareTo(start) <= 0) {
            return 0;
        }
        return (lsn.value() - start.value()) / STEP;
    }

    public Key key(long i) {
        return keyOf((int) ((i * 7919) % keys));
    }

    public static Key keyOf(int blk) {
        return new Key(0, 1663, 5, 16384, 0, blk);
    }

    public boolean isImage(long i) {
        return i <= keys || i % 5 == 0;
    }

    public Value value(long i) {
        if (isImage(i)) {
            return new Value.Image(image(i));
        }
        return new Value.WalRecord(NeonWalRecord.Test.walAppend("+" + i));
    }

    private byte[] image(long i) {
        byte[] head = ("k" + key(i).field6() + "@" + i + ";").getBytes(StandardCharsets.UTF_8);
        byte[] b = Arrays.copyOf(head, Math.max(head.length, imageSize));
        for (int j = head.length; j < b.length; j++) {
            b[j] = (byte) ('a' + (i + j) % 26);
        }
        return b;
    }

    public IngestRecord record(long i) {
        return new IngestRecord(key(i), lsn(i), value(i));
    }

    /** Records {@code from} to {@code to} (inclusive) in batches of {@code size}. */
    public List<List<IngestRecord>> batches(long from, long to, int size) {
        List<List<IngestRecord>> out = new ArrayList<>();
        List<IngestRecord> b = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            b.add(record(i));
            if (b.size() == size) {
                out.add(b);
                b = new ArrayList<>();
            }
        }
        if (!b.isEmpty()) {
            out.add(b);
        }
        return out;
    }

    /** Every page that exists at {@code lsn} (records at or below it). */
    public TreeMap<Key, byte[]> pagesAt(Lsn lsn) {
        long last = indexAtOrBelow(lsn);
        Map<Key, ByteArrayOutputStream> pages = new TreeMap<>();
        for (long i = 1; i <= last; i++) {
            Key k = key(i);
            if (isImage(i)) {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.writeBytes(image(i));
                pages.put(k, o);
            } else {
                pages.get(k).writeBytes(("+" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        TreeMap<Key, byte[]> out = new TreeMap<>();
        pages.forEach((k, v) -> out.put(k, v.toByteArray()));
        return out;
    }

    /** The key space of {@code pages}. */
    public static KeySpace keySpace(Iterable<Key> keys) {
        KeySpace.Builder b = KeySpace.builder();
        for (Key k : keys) {
            b.add(KeyRange.singleton(k));
        }
        return b.build();
    }
}
