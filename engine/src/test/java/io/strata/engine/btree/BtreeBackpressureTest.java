package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Scans read pages only as demand needs them, and emit a flyweight that is current during onNext. */
class BtreeBackpressureTest {
    static final Duration T = Duration.ofSeconds(30);

    /** 100 000 keys, 26 bytes: 3 levels deep (about 190 leaves of the 8192-key example's 1167 entries). */
    private final TreeMap<byte[], Long> model = BtreeModelTest.randomModel(99, 26, 100_000, true);
    private final TreeImage img = BtreeModelTest.image(model, 26, 4);

    private int levels() {
        return img.block(img.tree().rootBlock())[2] + 1;
    }

    @Test
    void takeTenReadsOnlyOnePathToALeaf() {
        MemoryBlockReader mem = img.memoryReader();
        DiskBtreeReader r = img.reader(mem, 26);
        assertTrue(img.tree().blockCount() > 50, "tree has " + img.tree().blockCount() + " blocks");
        assertEquals(10, r.forward(new byte[26]).take(10).count().block(T));
        assertTrue(mem.reads() <= levels() + 1, mem.reads() + " reads for 10 entries of a " + levels() + "-level tree");
        mem.resetReads();
        byte[] max = new byte[26];
        java.util.Arrays.fill(max, (byte) 0xFF);
        assertEquals(10, r.backward(max).take(10).count().block(T));
        assertTrue(mem.reads() <= levels() + 1, mem.reads() + " reads backwards");
    }

    @Test
    void readsFollowDemand() {
        MemoryBlockReader mem = img.memoryReader();
        DiskBtreeReader r = img.reader(mem, 26);
        byte[] firstKey = model.firstKey();
        StepVerifier.create(r.forward(new byte[26]).map(BtreeEntry::copy), 0)
                .expectSubscription()
                .then(() -> assertEquals(0, mem.reads(), "nothing read before demand"))
                .thenRequest(1)
                .assertNext(kv -> assertEquals(new BtreeKeyValue(firstKey, model.get(firstKey)), kv))
                .then(() -> assertEquals(levels(), mem.reads(), "one read per level for the first entry"))
                .thenRequest(1000)
                .expectNextCount(1000)
                .then(() -> assertTrue(mem.reads() < levels() + 5, "1001 entries span a few leaves: " + mem.reads()))
                .thenCancel()
                .verify(T);
    }

    @Test
    void fullScanCompletesAndCountsEveryEntry() {
        DiskBtreeReader r = img.reader(img.memoryReader(), 26);
        StepVerifier.create(r.forward(new byte[26])).expectNextCount(model.size()).verifyComplete();
        StepVerifier.create(r.forward(model.lastKey()), 1)
                .assertNext(e -> assertEquals(0, e.compareKeyTo(model.lastKey())))
                .verifyComplete(); // completes without further demand once nothing is left
    }

    @Test
    void flyweightIsReusedAndValidDuringOnNext() {
        DiskBtreeReader r = img.reader(img.memoryReader(), 26);
        byte[] buf = new byte[26];
        var it = model.entrySet().iterator();
        BtreeEntry[] seen = new BtreeEntry[1];
        r.forward(new byte[26]).take(5000).doOnNext(e -> {
            if (seen[0] != null) {
                assertTrue(seen[0] == e, "one instance per scan");
            }
            seen[0] = e;
            var expected = it.next();
            assertEquals(0, e.compareKeyTo(expected.getKey()));
            assertEquals(BtreeFormat.hex(expected.getKey()), BtreeFormat.hex(e.key(buf)));
            assertEquals(expected.getValue(), e.value());
            assertEquals(expected.getKey()[25], e.keyByte(25));
        }).blockLast(T);
    }

    @Test
    void invalidRequestIsAnError() {
        DiskBtreeReader r = img.reader(img.memoryReader(), 26);
        java.util.concurrent.atomic.AtomicReference<Throwable> error = new java.util.concurrent.atomic.AtomicReference<>();
        r.forward(new byte[26]).subscribe(new reactor.core.publisher.BaseSubscriber<BtreeEntry>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(0);
            }

            @Override
            protected void hookOnError(Throwable t) {
                error.set(t);
            }
        });
        assertTrue(error.get() instanceof IllegalArgumentException, "got " + error.get());
    }

    @Test
    void scansOfSingleLeafTrees() {
        TreeMap<byte[], Long> small = new TreeMap<>(java.util.Arrays::compareUnsigned);
        IntStream.range(0, 3).forEach(i -> small.put(new byte[] {(byte) (2 * i + 1)}, (long) i));
        TreeImage one = BtreeModelTest.image(small, 1, 0);
        DiskBtreeReader r = one.reader(one.memoryReader(), 1);
        StepVerifier.create(r.forward(new byte[] {7})).verifyComplete();
        StepVerifier.create(r.backward(new byte[] {0})).verifyComplete();
        StepVerifier.create(r.backward(new byte[] {4}).map(e -> e.value())).expectNext(1L, 0L).verifyComplete();
        StepVerifier.create(r.forward(new byte[] {2}).map(e -> e.value())).expectNext(1L, 2L).verifyComplete();
    }
}
