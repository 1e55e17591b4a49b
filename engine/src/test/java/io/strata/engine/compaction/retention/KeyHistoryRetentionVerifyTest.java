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

import io.strata.engine.layer.LayerEntry;
import io.strata.engine.walredo.NeonWalRedo;
import io.strata.engine.walredo.WalRedoManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyHistoryRetention#verify}: Neon's points (retain LSNs from the key's first version on, just below each
 * image or init record above the horizon, the newest LSN) and the comparison with the full history there.
 */
class KeyHistoryRetentionVerifyTest {
    private static final Duration T = Duration.ofSeconds(10);
    private final WalRedoManager redo = new NeonWalRedo();

    /** The history of Neon's first case of test_generate_key_retention. */
    private static final List<LayerEntry> HISTORY = List.of(
            entry(0x10, init("0x10")),
            entry(0x20, append(";0x20")),
            entry(0x30, append(";0x30")),
            entry(0x40, append(";0x40")),
            entry(0x50, append(";0x50")),
            entry(0x60, append(";0x60")),
            entry(0x70, append(";0x70")),
            entry(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
            entry(0x90, append(";0x90")));

    /** Neon's expected retention for it, with the 0x20 and 0x50 buckets and the versions above replaceable. */
    private static KeyHistoryRetention retention(KeyHistoryRetention.AtLsn at20, KeyHistoryRetention.AtLsn at40,
            KeyHistoryRetention.AtLsn at50, LsnValue at70, LsnValue at90) {
        return new KeyHistoryRetention(
                List.of(at20, at40, at50, retained(0x60, at(0x60, append(";0x60")))),
                KeyLogAtLsn.of(at70, at(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")), at90));
    }

    private static KeyHistoryRetention correct() {
        return retention(retained(0x20, at(0x20, img("0x10;0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")));
    }

    private KeyRetentionException failure(KeyHistoryRetention r) {
        return assertThrows(KeyRetentionException.class,
                () -> r.verify(KEY, Optional.empty(), HISTORY, redo).block(T));
    }

    private static void assertAt(KeyRetentionException e, long lsn, String what) {
        assertEquals(KEY, e.key());
        assertEquals(Optional.of(lsn(lsn)), e.lsn());
        assertTrue(e.getMessage().startsWith("key " + KEY + " at " + lsn(lsn) + ": verification failed (" + what
                + ")"), e.getMessage());
    }

    @Test
    void neonsRetentionVerifies() {
        correct().verify(KEY, Optional.empty(), HISTORY, redo).block(T);
        // nothing to check without history
        new KeyHistoryRetention(List.of(), KeyLogAtLsn.of()).verify(KEY, Optional.empty(), List.of(), redo)
                .block(T);
    }

    @Test
    void aChangedDeltaBelowTheHorizonIsFoundAtItsRetainLsn() {
        KeyHistoryRetention r = retention(retained(0x20, at(0x20, img("0x10;0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x4X"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")));
        KeyRetentionException e = failure(r);
        assertAt(e, 0x40, "below horizon retain_lsn");
        assertTrue(e.getMessage().contains("differs from the 19-byte page of the full history at offset 18"),
                e.getMessage());
    }

    @Test
    void aWrongImageIsFoundAtItsRetainLsn() {
        assertAt(failure(retention(retained(0x20, at(0x20, img("0x10;0x2"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")))), 0x20, "below horizon retain_lsn");
        assertAt(failure(retention(retained(0x20, at(0x20, img("0x10;0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x5"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")))), 0x50, "below horizon retain_lsn");
    }

    @Test
    void aChangedVersionAboveTheHorizonIsFoundBelowTheNextImageOrAtTheEnd() {
        // the read just below the image at 0x80 replays 0x70
        assertAt(failure(retention(retained(0x20, at(0x20, img("0x10;0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x7X")), at(0x90, append(";0x90")))), 0x80, "above horizon full image");
        assertAt(failure(retention(retained(0x20, at(0x20, img("0x10;0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x9X")))), 0x90, "latest record");
        // an init record above the horizon is a check point too
        List<LayerEntry> history = List.of(entry(0x10, init("a")), entry(0x70, append("b")),
                entry(0x80, init("c")));
        KeyHistoryRetention r = new KeyHistoryRetention(List.of(retained(0x60, at(0x60, img("a")))),
                KeyLogAtLsn.of(at(0x70, append("X")), at(0x80, init("c"))));
        KeyRetentionException e = assertThrows(KeyRetentionException.class,
                () -> r.verify(KEY, Optional.empty(), history, redo).block(T));
        assertAt(e, 0x80, "above horizon init record");
    }

    @Test
    void aRetainLsnWithoutVersionsHasNoHistory() {
        KeyHistoryRetention r = retention(retained(0x20),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")));
        KeyRetentionException e = failure(r);
        assertAt(e, 0x20, "below horizon retain_lsn");
        assertTrue(e.getMessage().endsWith("key has no history"), e.getMessage());
    }

    @Test
    void aRetentionThatCannotBeReplayedFails() {
        KeyHistoryRetention r = retention(retained(0x20, at(0x20, append(";0x20"))),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")));
        KeyRetentionException e = failure(r);
        assertAt(e, 0x20, "below horizon retain_lsn");
        assertTrue(e.getMessage().contains("the retention does not reconstruct"), e.getMessage());
    }

    @Test
    void theAncestorImageIsTheBaseOfBoth() {
        List<LayerEntry> history = List.of(entry(0x20, append(";0x20")), entry(0x70, append(";0x70")));
        KeyHistoryRetention r = new KeyHistoryRetention(List.of(retained(0x30, at(0x20, append(";0x20"))),
                retained(0x60)), KeyLogAtLsn.of(at(0x70, append(";0x70"))));
        AncestorImage ancestor = new AncestorImage(KEY, lsn(0x10), "0x10".getBytes(StandardCharsets.UTF_8));
        r.verify(KEY, Optional.of(ancestor), history, redo).block(T);
        AncestorImage other = new AncestorImage(KEY, lsn(0x10), "0x1X".getBytes(StandardCharsets.UTF_8));
        // the same ancestor for both replays: still consistent
        r.verify(KEY, Optional.of(other), history, redo).block(T);
        // without it, the retention cannot be read
        KeyRetentionException e = assertThrows(KeyRetentionException.class,
                () -> r.verify(KEY, Optional.empty(), history, redo).block(T));
        assertAt(e, 0x30, "below horizon retain_lsn");
    }

    @Test
    void nothingHappensBeforeSubscription() {
        KeyHistoryRetention r = retention(retained(0x20),
                retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                at(0x70, append(";0x70")), at(0x90, append(";0x90")));
        r.verify(KEY, Optional.empty(), HISTORY, redo);
    }
}
