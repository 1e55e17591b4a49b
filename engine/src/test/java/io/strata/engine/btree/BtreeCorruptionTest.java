package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Damaged nodes fail lookups and scans with an error naming the block, never a hang or an unbounded read.
 * The tree is FORMAT 12's image index at index_start_blk 6: leaves at blocks 6..13, root at 14.
 */
class BtreeCorruptionTest {
    static final Duration T = Duration.ofSeconds(10);
    static final int START = 6;
    static final int ROOT_ABS = START + 8;

    private static TreeImage tree() {
        return TreeImage.build(18, START, BtreeLayoutTest.imageEntries(IntStream.range(0, 0x2000)));
    }

    private static void put(byte[] file, int absBlock, int off, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            file[absBlock * 8192 + off + i] = (byte) bytes[i];
        }
    }

    /** Corrupts the image, then expects get, a forward scan and a backward scan to fail naming {@code block}. */
    private static void expectCorrupt(Consumer<byte[]> damage, int block, String messagePart) {
        TreeImage img = tree();
        damage.accept(img.file());
        DiskBtreeReader r = img.reader(img.memoryReader(), 18);
        byte[] key = BtreeLayoutTest.imageKey(0x10);
        Consumer<Throwable> check = e -> {
            assertTrue(e instanceof BtreeCorruptionException, "got " + e);
            assertEquals(block, ((BtreeCorruptionException) e).block());
            assertTrue(e.getMessage().contains("block " + block) && e.getMessage().contains(messagePart),
                    e.getMessage());
        };
        StepVerifier.create(r.get(key)).expectErrorSatisfies(check).verify(T);
        StepVerifier.create(r.forward(key).then()).expectErrorSatisfies(check).verify(T);
        StepVerifier.create(r.backward(key).then()).expectErrorSatisfies(check).verify(T);
    }

    @Test
    void zeroChildren() {
        expectCorrupt(f -> put(f, ROOT_ABS, 0, 0, 0), ROOT_ABS, "num_children is 0");
    }

    @Test
    void leafWithWrongLevel() {
        expectCorrupt(f -> put(f, START, 2, 5), START, "level 5, expected 0");
    }

    @Test
    void prefixAndSuffixNotKeyLength() {
        expectCorrupt(f -> put(f, START, 3, 0x11), START, "prefix_len 17 + suffix_len 2 != key length 18");
    }

    @Test
    void entriesOverflowTheBlock() {
        expectCorrupt(f -> put(f, ROOT_ABS, 0, 0xFF, 0xFF), ROOT_ABS, "more than a block");
    }

    @Test
    void childPastTheIndex() {
        // root entry 0's value sits after the header and 8 18-byte keys
        expectCorrupt(f -> put(f, ROOT_ABS, 5 + 8 * 18, 0x80, 0, 0, 0, 9), ROOT_ABS, "past the index");
    }

    @Test
    void childPointingAtTheRootItself() {
        expectCorrupt(f -> put(f, ROOT_ABS, 5 + 8 * 18, 0x80, 0, 0, 0, 8), ROOT_ABS, "past the index");
    }

    @Test
    void badChildTag() {
        expectCorrupt(f -> put(f, ROOT_ABS, 5 + 8 * 18, 0x00), ROOT_ABS, "tag 0x0");
    }

    @Test
    void cycleBetweenInternalNodesIsCaughtByTheLevelRule() {
        // make leaf 0 claim to be an internal node of level 1 pointing at itself: it sits where a leaf must be
        expectCorrupt(f -> put(f, START, 2, 1), START, "level 1, expected 0");
        // a root claiming a high level whose child pointer leads back to a node of the wrong level
        expectCorrupt(f -> put(f, ROOT_ABS, 2, 2), START, "level 0, expected 1");
    }

    @Test
    void shortOrMissingBlocks() {
        TreeImage img = tree();
        DiskBtreeReader missing = img.reader(blk -> Mono.empty(), 18);
        StepVerifier.create(missing.get(new byte[18]))
                .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("block " + ROOT_ABS), e.getMessage()))
                .verify(T);
        DiskBtreeReader shortBlock = img.reader(blk -> Mono.just(new UnsafeBuffer(new byte[100])), 18);
        StepVerifier.create(shortBlock.forward(new byte[18]))
                .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("100 bytes"), e.getMessage()))
                .verify(T);
    }

    @Test
    void readerErrorsPropagate() {
        DiskBtreeReader r = new DiskBtreeReader(blk -> Mono.error(new IllegalStateException("disk on fire")), 0, 0, 18);
        StepVerifier.create(r.forward(new byte[18])).expectErrorMessage("disk on fire").verify(T);
        StepVerifier.create(r.get(new byte[18])).expectErrorMessage("disk on fire").verify(T);
    }

    @Test
    void wrongKeyLengthIsRejected() {
        DiskBtreeReader r = tree().reader(blk -> Mono.empty(), 18);
        assertThrows(IllegalArgumentException.class, () -> r.get(new byte[17]));
        assertThrows(IllegalArgumentException.class, () -> r.forward(new byte[26]));
    }
}
