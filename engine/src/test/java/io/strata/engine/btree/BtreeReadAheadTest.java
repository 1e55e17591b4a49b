package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * A scan with read-ahead ({@link DiskBtreeReader#scan(byte[], VisitDirection, int)}) yields exactly what a plain
 * scan yields, starts the following leaves early but never more than asked, cancels them when the scan ends, and
 * reports a failed leaf only when the scan reaches it.
 */
class BtreeReadAheadTest {
    static final Duration T = Duration.ofSeconds(30);
    static final int KEY_LEN = 26;

    /** 100 000 keys: a root over a few hundred leaves. */
    private final TreeMap<byte[], Long> model = BtreeModelTest.randomModel(7, KEY_LEN, 100_000, true);
    private final TreeImage img = BtreeModelTest.image(model, KEY_LEN, 3);

    @Test
    void scansWithReadAheadYieldWhatPlainScansYield() {
        for (int n : new int[] {1, 5, 400, 3_000, 100_000}) {
            TreeMap<byte[], Long> m = n == model.size() ? model : BtreeModelTest.randomModel(n, KEY_LEN, n, n % 2 == 0);
            TreeImage image = BtreeModelTest.image(m, KEY_LEN, 1);
            DiskBtreeReader r = image.reader(new StableReader(image.file()), KEY_LEN);
            byte[] min = new byte[KEY_LEN];
            byte[] max = new byte[KEY_LEN];
            Arrays.fill(max, (byte) 0xFF);
            byte[] middle = m.keySet().stream().skip(m.size() / 2).findFirst().orElseThrow();
            for (int ahead : new int[] {1, 3, DiskBtreeReader.SEQUENTIAL_READ_AHEAD}) {
                assertEquals(copies(r.forward(min)), copies(r.scan(min, VisitDirection.FORWARDS, ahead)),
                        n + " keys forwards, " + ahead + " ahead");
                assertEquals(copies(r.backward(max)), copies(r.scan(max, VisitDirection.BACKWARDS, ahead)),
                        n + " keys backwards, " + ahead + " ahead");
                assertEquals(copies(r.forward(middle)), copies(r.scan(middle, VisitDirection.FORWARDS, ahead)),
                        n + " keys forwards from the middle, " + ahead + " ahead");
            }
            assertEquals(m.size(), copies(r.forwardSequential(min)).size());
        }
    }

    @Test
    void readAheadStartsTheNextLeavesAndNoMore() {
        StableReader reader = new StableReader(img.file());
        DiskBtreeReader r = img.reader(reader, KEY_LEN);
        int levels = levels();
        assertTrue(img.tree().blockCount() > 100, "the test wants many leaves: " + img.tree().blockCount());

        assertEquals(10, r.scan(new byte[KEY_LEN], VisitDirection.FORWARDS, 5).take(10).count().block(T));
        assertEquals(levels + 5, reader.reads.get(), "the path to the first leaf plus five leaves ahead");

        reader.reads.set(0);
        assertEquals(10, r.forward(new byte[KEY_LEN]).take(10).count().block(T));
        assertEquals(levels, reader.reads.get(), "no read-ahead unless asked for");

        MemoryBlockReader unstable = img.memoryReader(); // buffers valid only during onNext: nothing can be held
        assertEquals(10, img.reader(unstable, KEY_LEN).scan(new byte[KEY_LEN], VisitDirection.FORWARDS, 5)
                .take(10).count().block(T));
        assertEquals(levels, unstable.reads(), "no read-ahead through a reader whose buffers do not stay valid");
    }

    @Test
    void aFullScanReadsEveryBlockOnce() {
        StableReader reader = new StableReader(img.file());
        DiskBtreeReader r = img.reader(reader, KEY_LEN);
        assertEquals(model.size(), r.forwardSequential(new byte[KEY_LEN]).count().block(T));
        assertEquals(img.tree().blockCount(), reader.reads.get(), "read-ahead must not read a block twice");
    }

    @Test
    void endingTheScanCancelsTheLeavesStillBeingRead() {
        DeferredReader reader = new DeferredReader(img.file());
        DiskBtreeReader r = img.reader(reader, KEY_LEN);
        StepVerifier.create(r.scan(new byte[KEY_LEN], VisitDirection.FORWARDS, 4).map(BtreeEntry::copy), 1)
                .then(() -> reader.completeNext(levels() - 1)) // the internal nodes down to the first leaf
                .then(() -> assertEquals(1, reader.pending(), "the first leaf, alone: nothing queued before it"))
                .then(() -> reader.completeNext(1))
                .assertNext(kv -> assertArrayEquals(model.firstKey(), kv.key()))
                .then(() -> assertEquals(4, reader.pending(), "once it landed, the four leaves after it"))
                .thenCancel()
                .verify(T);
        assertEquals(4, reader.cancelled.get(), "the four leaves read ahead are cancelled with the scan");
        assertEquals(0, reader.pending());
    }

    @Test
    void aLeafThatCannotBeReadFailsTheScanOnlyWhereItsEntriesBegin() {
        // Find the third leaf (in scan order) and the entries before it.
        StableReader plain = new StableReader(img.file());
        List<Long> leaves = new ArrayList<>();
        DiskBtreeReader probe = img.reader(new BlockReader() {
            @Override
            public Mono<DirectBuffer> read(long blockNo) {
                return plain.read(blockNo).doOnNext(b -> {
                    if (b.getByte(2) == 0) {
                        leaves.add(blockNo);
                    }
                });
            }
        }, KEY_LEN);
        probe.forward(new byte[KEY_LEN]).count().block(T);
        long bad = leaves.get(2);
        StableReader failing = new StableReader(img.file());
        failing.failBlock = bad;
        AtomicInteger seen = new AtomicInteger();
        RuntimeException boom = new IllegalStateException("block " + bad + " is unreadable");
        failing.failure = boom;
        List<Map.Entry<byte[], Long>> entries = new ArrayList<>(model.entrySet());
        // entries of the first two leaves: count them with a plain scan that stops at the bad leaf's first key
        int expected = countEntriesBefore(leaves, bad);
        StepVerifier.create(img.reader(failing, KEY_LEN).forwardSequential(new byte[KEY_LEN]).map(BtreeEntry::copy)
                        .doOnNext(kv -> assertArrayEquals(entries.get(seen.getAndIncrement()).getKey(), kv.key())))
                .expectNextCount(expected)
                .expectErrorSatisfies(e -> assertSame(boom, e))
                .verify(T);
        assertEquals(expected, seen.get());
        assertTrue(expected > 0);
    }

    private int levels() {
        return img.block(img.tree().rootBlock())[2] + 1;
    }

    /** Entries held by the leaves that come before {@code bad} in scan order. */
    private int countEntriesBefore(List<Long> leavesInOrder, long bad) {
        int n = 0;
        for (long leaf : leavesInOrder) {
            if (leaf == bad) {
                return n;
            }
            n += new NodeView().decode(new UnsafeBuffer(img.file(), (int) leaf * BtreeFormat.PAGE_SIZE,
                    BtreeFormat.PAGE_SIZE), leaf, KEY_LEN, NodeView.ANY_LEVEL).count;
        }
        throw new AssertionError("leaf " + bad + " not found");
    }

    private static List<BtreeKeyValue> copies(reactor.core.publisher.Flux<BtreeEntry> scan) {
        return scan.map(BtreeEntry::copy).collectList().block(T);
    }

    /** Blocks of a byte array whose buffers stay valid (the array never changes), as the block cache's do. */
    private static final class StableReader implements BlockReader {
        final byte[] file;
        final AtomicInteger reads = new AtomicInteger();
        long failBlock = -1;
        RuntimeException failure;

        StableReader(byte[] file) {
            this.file = file;
        }

        @Override
        public Mono<DirectBuffer> read(long blockNo) {
            return Mono.fromCallable(() -> {
                reads.incrementAndGet();
                if (blockNo == failBlock) {
                    throw failure;
                }
                return new UnsafeBuffer(file, (int) blockNo * BtreeFormat.PAGE_SIZE, BtreeFormat.PAGE_SIZE);
            });
        }

        @Override
        public boolean buffersStayValid() {
            return true;
        }
    }

    /** Reads that complete only when the test says so, oldest first; counts reads cancelled before completing. */
    private static final class DeferredReader implements BlockReader {
        final byte[] file;
        final List<Map.Entry<Long, Sinks.One<DirectBuffer>>> waiting = new ArrayList<>();
        final AtomicInteger cancelled = new AtomicInteger();

        DeferredReader(byte[] file) {
            this.file = file;
        }

        @Override
        public synchronized Mono<DirectBuffer> read(long blockNo) {
            Sinks.One<DirectBuffer> sink = Sinks.one();
            Map.Entry<Long, Sinks.One<DirectBuffer>> entry = Map.entry(blockNo, sink);
            waiting.add(entry);
            return sink.asMono().doOnCancel(() -> {
                synchronized (this) {
                    if (waiting.remove(entry)) {
                        cancelled.incrementAndGet();
                    }
                }
            });
        }

        synchronized int pending() {
            return waiting.size();
        }

        void completeNext(int n) {
            for (int i = 0; i < n; i++) {
                Map.Entry<Long, Sinks.One<DirectBuffer>> e;
                synchronized (this) {
                    e = waiting.remove(0);
                }
                long b = e.getKey();
                e.getValue().tryEmitValue(new UnsafeBuffer(file, (int) b * BtreeFormat.PAGE_SIZE,
                        BtreeFormat.PAGE_SIZE));
            }
        }

        @Override
        public boolean buffersStayValid() {
            return true;
        }
    }
}
