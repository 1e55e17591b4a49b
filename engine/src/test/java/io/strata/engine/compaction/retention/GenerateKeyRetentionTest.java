package io.strata.engine.compaction.retention;

import static io.strata.engine.compaction.retention.RetentionTestValues.KEY;
import static io.strata.engine.compaction.retention.RetentionTestValues.append;
import static io.strata.engine.compaction.retention.RetentionTestValues.at;
import static io.strata.engine.compaction.retention.RetentionTestValues.entry;
import static io.strata.engine.compaction.retention.RetentionTestValues.img;
import static io.strata.engine.compaction.retention.RetentionTestValues.init;
import static io.strata.engine.compaction.retention.RetentionTestValues.lsn;
import static io.strata.engine.compaction.retention.RetentionTestValues.retained;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.read.PageReconstructException;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.NeonWalRedo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Neon's {@code test_generate_key_retention} (tenant.rs), its four cases one per method with Neon's expected
 * retentions, the example of {@code generate_key_retention}'s documentation, and the rules the function states:
 * de-duplication, empty buckets, invalid histories and argument checks.
 */
class GenerateKeyRetentionTest {
    private static final Duration T = Duration.ofSeconds(10);
    private final KeyRetentionGenerator generator = new KeyRetentionGenerator(new NeonWalRedo());

    private KeyHistoryRetention generate(List<LayerEntry> history, long horizon, List<Lsn> retainLsns,
            int threshold, Optional<AncestorImage> ancestor) {
        KeyHistoryRetention verified = generator.generateKeyRetention(KEY, history, lsn(horizon), retainLsns,
                threshold, ancestor, true).block(T);
        // verification only checks: the result is the same without it
        assertEquals(verified, generator.generateKeyRetention(KEY, history, lsn(horizon), retainLsns, threshold,
                ancestor, false).block(T));
        return verified;
    }

    private Throwable failure(List<LayerEntry> history, long horizon, List<Lsn> retainLsns, int threshold,
            Optional<AncestorImage> ancestor) {
        return assertThrows(RuntimeException.class, () -> generator.generateKeyRetention(KEY, history,
                lsn(horizon), retainLsns, threshold, ancestor, false).block(T));
    }

    private static Optional<AncestorImage> ancestor(long lsn, String img) {
        return Optional.of(new AncestorImage(KEY, lsn(lsn), img.getBytes(StandardCharsets.UTF_8)));
    }

    /** Neon's first case: a complete history, images at the lowest retain LSN and when 3 deltas piled up. */
    @Test
    void testGenerateKeyRetentionFullHistory() {
        List<LayerEntry> history = List.of(
                entry(0x10, init("0x10")),
                entry(0x20, append(";0x20")),
                entry(0x30, append(";0x30")),
                entry(0x40, append(";0x40")),
                entry(0x50, append(";0x50")),
                entry(0x60, append(";0x60")),
                entry(0x70, append(";0x70")),
                entry(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                entry(0x90, append(";0x90")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x20), lsn(0x40), lsn(0x50)), 3,
                Optional.empty());
        KeyHistoryRetention expected = new KeyHistoryRetention(
                List.of(
                        retained(0x20, at(0x20, img("0x10;0x20"))),
                        retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                        retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                        retained(0x60, at(0x60, append(";0x60")))),
                KeyLogAtLsn.of(
                        at(0x70, append(";0x70")),
                        at(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                        at(0x90, append(";0x90"))));
        assertEquals(expected, res);
    }

    /**
     * Neon's second case: legacy GC removed the versions below an image, leaving deltas without a base below it;
     * they are dropped, the image becomes the bottom of the history.
     */
    @Test
    void testGenerateKeyRetentionIncompleteHistory() {
        List<LayerEntry> history = List.of(
                entry(0x20, append(";0x20")),
                entry(0x30, append(";0x30")),
                entry(0x40, img("0x10;0x20;0x30;0x40")),
                entry(0x50, append(";0x50")),
                entry(0x60, append(";0x60")),
                entry(0x70, append(";0x70")),
                entry(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                entry(0x90, append(";0x90")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x40), lsn(0x50)), 3, Optional.empty());
        KeyHistoryRetention expected = new KeyHistoryRetention(
                List.of(
                        retained(0x40, at(0x40, img("0x10;0x20;0x30;0x40"))),
                        retained(0x50, at(0x50, append(";0x50"))),
                        retained(0x60, at(0x60, append(";0x60")))),
                KeyLogAtLsn.of(
                        at(0x70, append(";0x70")),
                        at(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                        at(0x90, append(";0x90"))));
        assertEquals(expected, res);
    }

    /** Neon's third case: a branch without retain LSNs; the ancestor image is the base of the horizon image. */
    @Test
    void testGenerateKeyRetentionBranchAncestorImage() {
        List<LayerEntry> history = List.of(
                entry(0x20, append(";0x20")),
                entry(0x30, append(";0x30")),
                entry(0x40, append(";0x40")),
                entry(0x70, append(";0x70")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(), 3, ancestor(0x10, "0x10"));
        KeyHistoryRetention expected = new KeyHistoryRetention(
                List.of(retained(0x60, at(0x60, img("0x10;0x20;0x30;0x40")))),
                KeyLogAtLsn.of(at(0x70, append(";0x70"))));
        assertEquals(expected, res);
    }

    /**
     * Neon's fourth case: a branch with a retain LSN; with an ancestor image the lowest bucket stays deltas, the
     * horizon bucket becomes an image once 3 deltas piled up.
     */
    @Test
    void testGenerateKeyRetentionBranchWithRetainLsn() {
        List<LayerEntry> history = List.of(
                entry(0x20, append(";0x20")),
                entry(0x40, append(";0x40")),
                entry(0x60, append(";0x60")),
                entry(0x70, append(";0x70")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x30)), 3, ancestor(0x10, "0x10"));
        KeyHistoryRetention expected = new KeyHistoryRetention(
                List.of(
                        retained(0x30, at(0x20, append(";0x20"))),
                        retained(0x60, at(0x60, img("0x10;0x20;0x40;0x60")))),
                KeyLogAtLsn.of(at(0x70, append(";0x70"))));
        assertEquals(expected, res);
    }

    /** The example of Neon's documentation of {@code generate_key_retention}. */
    @Test
    void documentedExample() {
        List<LayerEntry> history = List.of(
                entry(0x10, init("A")),
                entry(0x20, append("B")),
                entry(0x30, append("C")),
                entry(0x40, append("D")),
                entry(0x50, append("E")),
                entry(0x60, append("F")));
        KeyHistoryRetention res = generate(history, 0x50, List.of(lsn(0x20), lsn(0x40)), 3, Optional.empty());
        assertEquals(new KeyHistoryRetention(
                List.of(
                        retained(0x20, at(0x20, img("AB"))),
                        retained(0x40, at(0x30, append("C")), at(0x40, append("D"))),
                        retained(0x50, at(0x50, img("ABCDE")))),
                KeyLogAtLsn.of(at(0x60, append("F")))), res);
    }

    /**
     * A k-merge yields the image and the delta of an LSN present in an image layer and a delta layer: the image
     * is kept, the delta dropped, in every bucket (the delta applied again would give "ABB").
     */
    @Test
    void imageAndDeltaAtOneLsnKeepTheImage() {
        List<LayerEntry> history = List.of(
                entry(0x10, init("A")),
                entry(0x20, img("AB")),
                entry(0x20, append("B")),
                entry(0x40, img("ABC")),
                entry(0x40, append("C")),
                entry(0x70, img("ABCD")),
                entry(0x70, append("D")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x10), lsn(0x30)), 10, Optional.empty());
        assertEquals(new KeyHistoryRetention(
                List.of(
                        retained(0x10, at(0x10, img("A"))),
                        retained(0x30, at(0x20, img("AB"))),
                        retained(0x60, at(0x40, img("ABC")))),
                KeyLogAtLsn.of(at(0x70, img("ABCD")))), res);
    }

    /** Below the key's first version the buckets stay empty, and the first non-empty one is not an image. */
    @Test
    void bucketsBelowTheFirstVersionAreEmpty() {
        List<LayerEntry> history = List.of(
                entry(0x40, init("A")),
                entry(0x50, append("B")),
                entry(0x58, append("C")),
                entry(0x70, append("D")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x10), lsn(0x20)), 3, Optional.empty());
        // only the lowest bucket always becomes an image; it is empty here, so the count decides for the others
        assertEquals(new KeyHistoryRetention(
                List.of(
                        retained(0x10),
                        retained(0x20),
                        retained(0x60, at(0x60, img("ABC")))),
                KeyLogAtLsn.of(at(0x70, append("D")))), res);
        KeyHistoryRetention fewer = generate(history, 0x60, List.of(lsn(0x10), lsn(0x20)), 4, Optional.empty());
        assertEquals(new KeyHistoryRetention(
                List.of(
                        retained(0x10),
                        retained(0x20),
                        retained(0x60, at(0x40, init("A")), at(0x50, append("B")), at(0x58, append("C")))),
                KeyLogAtLsn.of(at(0x70, append("D")))), fewer);
    }

    /** A key created above the horizon keeps all its versions, above the horizon. */
    @Test
    void keyCreatedAboveTheHorizon() {
        List<LayerEntry> history = List.of(entry(0x70, init("A")), entry(0x80, append("B")));
        KeyHistoryRetention res = generate(history, 0x60, List.of(lsn(0x30)), 3, Optional.empty());
        assertEquals(new KeyHistoryRetention(List.of(retained(0x30), retained(0x60)),
                KeyLogAtLsn.of(at(0x70, init("A")), at(0x80, append("B")))), res);
    }

    /** The count runs on across buckets kept as deltas and restarts at each generated image. */
    @Test
    void thresholdCountsAcrossBuckets() {
        List<LayerEntry> history = List.of(
                entry(0x10, init("a")),
                entry(0x15, append("b")),
                entry(0x25, append("c")),
                entry(0x35, append("d")),
                entry(0x36, append("e")),
                entry(0x45, append("f")));
        KeyHistoryRetention res = generate(history, 0x50,
                List.of(lsn(0x10), lsn(0x20), lsn(0x30), lsn(0x40)), 2, Optional.empty());
        assertEquals(new KeyHistoryRetention(
                List.of(
                        retained(0x10, at(0x10, img("a"))),
                        retained(0x20, at(0x15, append("b"))),
                        retained(0x30, at(0x30, img("abc"))),
                        retained(0x40, at(0x40, img("abcde"))),
                        retained(0x50, at(0x45, append("f")))),
                KeyLogAtLsn.of()), res);
    }

    /** Without an image or will_init record in the lowest bucket that has versions, the history is invalid. */
    @Test
    void historyWithoutBaseImageIsInvalid() {
        List<LayerEntry> history = List.of(
                entry(0x20, append(";0x20")),
                entry(0x30, append(";0x30")),
                entry(0x40, img("0x10;0x20;0x30;0x40")));
        Throwable e = failure(history, 0x60, List.of(lsn(0x30)), 3, Optional.empty());
        KeyRetentionException k = (KeyRetentionException) e;
        assertEquals(KEY, k.key());
        assertEquals(Optional.of(lsn(0x30)), k.lsn());
        assertTrue(e.getMessage().contains("invalid history, no base image"), e.getMessage());
        assertTrue(e.getMessage().contains("replay_history: key=" + KEY + " d@0/20 d@0/30"), e.getMessage());
        assertTrue(e.getMessage().contains("full_history: key=" + KEY + " d@0/20 d@0/30 i@0/40"), e.getMessage());
        assertTrue(e.getMessage().contains("when processing: [0/30] horizon=0/60"), e.getMessage());

        // above the horizon too: all versions are kept, but a read could not start from them
        Throwable above = failure(List.of(entry(0x70, append("x"))), 0x60, List.of(), 3, Optional.empty());
        assertTrue(above.getMessage().contains("invalid history, no base image"), above.getMessage());

        // an ancestor image is the base
        assertEquals(new KeyHistoryRetention(List.of(retained(0x60, at(0x60, img("0x10;0x20;0x30;0x40")))),
                KeyLogAtLsn.of()), generate(history, 0x60, List.of(), 3, ancestor(0x10, "0x10")));
    }

    /**
     * Versions above the horizon are all kept, even a first one without base; Neon's verification then fails just
     * below the init record that follows, where the retention (and the full history) cannot be read.
     */
    @Test
    void incompleteHistoryAboveTheHorizonFailsVerification() {
        List<LayerEntry> history = List.of(entry(0x70, append("a")), entry(0x80, init("b")), entry(0x90,
                append("c")));
        KeyHistoryRetention res = generator.generateKeyRetention(KEY, history, lsn(0x60), List.of(), 3,
                Optional.empty(), false).block(T);
        assertEquals(new KeyHistoryRetention(List.of(retained(0x60)),
                KeyLogAtLsn.of(at(0x70, append("a")), at(0x80, init("b")), at(0x90, append("c")))), res);
        KeyRetentionException e = assertThrows(KeyRetentionException.class, () -> generator.generateKeyRetention(
                KEY, history, lsn(0x60), List.of(), 3, Optional.empty(), true).block(T));
        assertEquals(Optional.of(lsn(0x80)), e.lsn());
        assertTrue(e.getMessage().contains("verification failed (above horizon init record)"), e.getMessage());
    }

    /** A failing WAL redo of a generated image is the read path's error, naming the key and the split LSN. */
    @Test
    void redoFailureOfGeneratedImage() {
        // Neon's conditional test record fails on a page other than the one it names
        List<LayerEntry> history = List.of(entry(0x10, img("A")),
                entry(0x20, new Value.WalRecord(NeonWalRecord.Test.walAppendConditional("B", "not A"))));
        Throwable e = failure(history, 0x60, List.of(lsn(0x30)), 3, Optional.empty());
        PageReconstructException p = (PageReconstructException) e;
        assertEquals(KEY, p.key());
        assertEquals(lsn(0x30), p.lsn());
    }

    @Test
    void argumentsBreakingTheRulesAreRefused() {
        Key other = KEY.next();
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x10, init("a")), new LayerEntry(other, lsn(0x20), append("b"))), 0x60, List.of()));
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x20, init("a")), entry(0x10, append("b"))), 0x60, List.of()));
        // two deltas at one LSN, or a delta before an image at the same LSN
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x10, init("a")), entry(0x20, append("b")), entry(0x20, append("b"))), 0x60,
                List.of()));
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x10, init("a")), entry(0x20, append("b")), entry(0x20, img("ab"))), 0x60,
                List.of()));
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x10, init("a"))), 0x60, List.of(lsn(0x60))));
        assertThrows(IllegalArgumentException.class, () -> failureOf(
                List.of(entry(0x10, init("a"))), 0x60, List.of(lsn(0x30), lsn(0x20))));
        // equal retain LSNs are allowed: the second one's bucket is empty
        assertEquals(new KeyHistoryRetention(
                List.of(retained(0x20, at(0x20, img("a"))), retained(0x20), retained(0x60)), KeyLogAtLsn.of()),
                generate(List.of(entry(0x10, init("a"))), 0x60, List.of(lsn(0x20), lsn(0x20)), 3,
                        Optional.empty()));
    }

    private void failureOf(List<LayerEntry> history, long horizon, List<Lsn> retainLsns) {
        generator.generateKeyRetention(KEY, history, lsn(horizon), retainLsns, 3, Optional.empty(), false).block(T);
    }
}
