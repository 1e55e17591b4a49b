package io.strata.engine.compaction.retention;

import static io.strata.engine.compaction.retention.RetentionTestValues.KEY;
import static io.strata.engine.compaction.retention.RetentionTestValues.append;
import static io.strata.engine.compaction.retention.RetentionTestValues.clear;
import static io.strata.engine.compaction.retention.RetentionTestValues.img;
import static io.strata.engine.compaction.retention.RetentionTestValues.init;
import static io.strata.engine.compaction.retention.RetentionTestValues.lsn;
import static io.strata.engine.compaction.retention.RetentionTestValues.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.NeonWalRedo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Random single-key histories (complete or with a prefix legacy GC left without a base, with k-merge duplicates,
 * with or without an ancestor image), random retain LSNs, horizons and thresholds. The retention, generated with
 * verification on, must read the same page as the full history at every retain LSN, at the horizon and at any
 * LSN above it, judged by a model of Neon's test records independent of the WAL redo; it must keep exactly the
 * versions above the horizon, keep or replace each bucket below as the threshold says, fail exactly on the
 * histories without a base (and, with verification, on those whose first version needs a base and lies above the
 * horizon, as Neon's), and its verification must catch a change to its newest version.
 */
class GenerateKeyRetentionRandomizedTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final int CASES = 600;
    private final KeyRetentionGenerator generator = new KeyRetentionGenerator(new NeonWalRedo());

    /** A read of the model: the key does not exist, cannot be read (no base), or has this page. */
    record Read(boolean exists, boolean readable, String page) {
        static final Read ABSENT = new Read(false, false, null);
        static final Read NO_BASE = new Read(true, false, null);
    }

    /** The page a read at {@code at} gets from {@code versions} over {@code ancestor}; a later duplicate LSN is ignored. */
    static Read read(Optional<String> ancestor, List<LsnValue> versions, Lsn at) {
        Read r = ancestor.map(a -> new Read(true, true, a)).orElse(Read.ABSENT);
        Lsn last = null;
        for (LsnValue v : versions) {
            if (v.lsn().compareTo(at) > 0) {
                break;
            }
            if (v.lsn().equals(last)) {
                continue;
            }
            last = v.lsn();
            r = apply(r, v.value());
        }
        return r;
    }

    private static Read apply(Read r, Value value) {
        if (value instanceof Value.Image image) {
            return new Read(true, true, utf8(image.bytes()));
        }
        NeonWalRecord.Test t = (NeonWalRecord.Test) ((Value.WalRecord) value).record();
        if (t.clear()) {
            return r.readable() || t.willInit() ? new Read(true, true, t.append()) : Read.NO_BASE;
        }
        return r.readable() ? new Read(true, true, r.page() + t.append()) : Read.NO_BASE;
    }

    /** One random case: the history, in (lsn) order with an image before a delta at one LSN. */
    record Case(long seed, List<LayerEntry> history, Optional<String> ancestor, Lsn horizon, List<Lsn> retainLsns,
            int threshold) {
        Optional<AncestorImage> ancestorImage() {
            return ancestor.map(a -> new AncestorImage(KEY, lsn(0x10), a.getBytes(StandardCharsets.UTF_8)));
        }

        List<LsnValue> versions() {
            return history.stream().map(e -> new LsnValue(e.lsn(), e.value())).toList();
        }
    }

    static Case randomCase(long seed) {
        Random rnd = new Random(seed);
        Optional<String> ancestor = rnd.nextInt(4) == 0 ? Optional.of("anc" + seed) : Optional.empty();
        // the page after the versions so far, null without a base: images of k-merge duplicates repeat it
        String page = ancestor.orElse(null);
        List<LayerEntry> history = new ArrayList<>();
        long lsn = 0x10;
        int n = 1 + rnd.nextInt(25);
        for (int i = 0; i < n; i++) {
            lsn += 8L * (1 + rnd.nextInt(3));
            String token = "<" + Long.toHexString(lsn) + ">";
            int kind = rnd.nextInt(100);
            if (i == 0 && ancestor.isEmpty()) {
                // mostly complete histories; some start with a delta, as legacy GC leaves them
                kind = kind < 15 ? 0 : kind < 60 ? 70 : 90;
            }
            Value value;
            if (kind < 55) {
                value = append(token);
                page = page == null ? null : page + token;
            } else if (kind < 63) {
                value = clear(token);
                page = page == null ? null : token;
            } else if (kind < 75) {
                value = init(token);
                page = token;
            } else if (kind < 88 || page == null) {
                // an image: usually the page, sometimes an unrelated one (it replaces the page all the same)
                page = rnd.nextBoolean() && page != null ? page : "img" + token;
                value = img(page);
            } else {
                // the k-merge of an image layer and a delta layer: the image, then the delta it contains
                page = page + token;
                history.add(new LayerEntry(KEY, lsn(lsn), img(page)));
                value = append(token);
            }
            history.add(new LayerEntry(KEY, lsn(lsn), value));
        }
        long first = history.get(0).lsn().value();
        long horizon = Math.max(1, first - 16 + 4L * rnd.nextInt((int) ((lsn - first + 32) / 4)));
        List<Lsn> retain = new ArrayList<>();
        int k = rnd.nextInt(5);
        long low = Math.max(0, first - 24);
        for (int i = 0; i < k && horizon > low; i++) {
            retain.add(lsn(low + (long) rnd.nextInt((int) (horizon - low))));
        }
        retain.sort(null);
        return new Case(seed, List.copyOf(history), ancestor, lsn(horizon), List.copyOf(retain), rnd.nextInt(7));
    }

    @Test
    void retentionReadsLikeTheFullHistory() {
        int failed = 0;
        int incompleteAboveHorizon = 0;
        int generatedImages = 0;
        for (long seed = 0; seed < CASES; seed++) {
            Case c = randomCase(seed);
            String what = "seed " + seed + ": " + c;
            if (!readableAtFirstSplit(c)) {
                failed++;
                KeyRetentionException e = assertThrows(KeyRetentionException.class, () -> generate(c, true), what);
                assertTrue(e.getMessage().contains("invalid history, no base image"), what + ": " + e);
                continue;
            }
            KeyHistoryRetention r = generate(c, false);
            if (startsWithoutBaseAboveHorizon(c)) {
                // kept as is, like all versions above the horizon, but Neon's verification reads just below the
                // image or init record that follows and finds no base
                incompleteAboveHorizon++;
                KeyRetentionException e = assertThrows(KeyRetentionException.class, () -> generate(c, true), what);
                assertTrue(e.getMessage().contains("verification failed (above horizon "), what + ": " + e);
            } else {
                assertEquals(r, generate(c, true), what);
                checkTamperingIsCaught(c, r, what);
            }
            checkShape(c, r, what);
            checkReads(c, r, what);
            generatedImages += (int) r.belowHorizon().stream().filter(at -> isGeneratedImage(at)).count();
        }
        // the cases exercise both outcomes and the image generation
        assertTrue(failed > 10 && failed < CASES / 3, "invalid histories: " + failed);
        assertTrue(incompleteAboveHorizon > 3, "incomplete histories above the horizon: " + incompleteAboveHorizon);
        assertTrue(generatedImages > CASES, "generated images: " + generatedImages);
    }

    private KeyHistoryRetention generate(Case c, boolean verification) {
        return generator.generateKeyRetention(KEY, c.history(), c.horizon(), c.retainLsns(), c.threshold(),
                c.ancestorImage(), verification).block(T);
    }

    /**
     * A history can be retained when a read can start at the lowest split point (retain LSN or horizon) at or
     * above its first version, or at its end when it starts above the horizon: an ancestor image, or an image or
     * will_init record up to there.
     */
    private static boolean readableAtFirstSplit(Case c) {
        if (c.ancestor().isPresent()) {
            return true;
        }
        Lsn first = c.history().get(0).lsn();
        Lsn split = Lsn.MAX;
        for (Lsn s : splitPoints(c)) {
            if (s.compareTo(first) >= 0) {
                split = s;
                break;
            }
        }
        for (LayerEntry e : c.history()) {
            if (e.lsn().compareTo(split) <= 0 && e.value().willInit()) {
                return true;
            }
        }
        return false;
    }

    /** A history without ancestor whose first version, above the horizon, needs a base. */
    private static boolean startsWithoutBaseAboveHorizon(Case c) {
        LayerEntry first = c.history().get(0);
        return c.ancestor().isEmpty() && first.lsn().compareTo(c.horizon()) > 0 && !first.value().willInit();
    }

    private static List<Lsn> splitPoints(Case c) {
        List<Lsn> splits = new ArrayList<>(c.retainLsns());
        splits.add(c.horizon());
        return splits;
    }

    /** The versions of the history in {@code (from, to]}, without k-merge duplicates. */
    private static List<LsnValue> between(Case c, Lsn from, Lsn to) {
        List<LsnValue> out = new ArrayList<>();
        for (LayerEntry e : c.history()) {
            boolean in = (from == null || e.lsn().compareTo(from) > 0) && (to == null || e.lsn().compareTo(to) <= 0);
            if (in && (out.isEmpty() || !out.get(out.size() - 1).lsn().equals(e.lsn()))) {
                out.add(new LsnValue(e.lsn(), e.value()));
            }
        }
        return out;
    }

    private static boolean isGeneratedImage(KeyHistoryRetention.AtLsn at) {
        List<LsnValue> logs = at.logs().logs();
        return logs.size() == 1 && logs.get(0).lsn().equals(at.lsn()) && logs.get(0).value() instanceof Value.Image;
    }

    /**
     * Above the horizon everything is kept; below, each bucket is kept as is or becomes one image at its LSN: the
     * lowest one always (without ancestor image, once the key exists), the others once the versions since the
     * last generated image reach the threshold.
     */
    private static void checkShape(Case c, KeyHistoryRetention r, String what) {
        assertEquals(between(c, c.horizon(), null), r.aboveHorizon().logs(), what + ": above horizon");
        List<Lsn> splits = splitPoints(c);
        assertEquals(splits, r.belowHorizon().stream().map(KeyHistoryRetention.AtLsn::lsn).toList(), what);
        int sinceImage = 0;
        Lsn previous = null;
        for (int i = 0; i < splits.size(); i++) {
            List<LsnValue> bucket = between(c, previous, splits.get(i));
            KeyHistoryRetention.AtLsn at = r.belowHorizon().get(i);
            sinceImage += bucket.size();
            boolean image = i == 0 && c.ancestor().isEmpty() ? !bucket.isEmpty()
                    : sinceImage > 0 && sinceImage >= c.threshold();
            if (image) {
                assertTrue(isGeneratedImage(at), what + ": bucket " + i + " should be an image: " + at);
                sinceImage = 0;
            } else {
                assertEquals(bucket, at.logs().logs(), what + ": bucket " + i);
            }
            previous = splits.get(i);
        }
    }

    /** At each retain LSN, the horizon and LSNs above it, the retention reads what the full history reads. */
    private static void checkReads(Case c, KeyHistoryRetention r, String what) {
        List<LsnValue> kept = new ArrayList<>();
        r.belowHorizon().forEach(at -> kept.addAll(at.logs().logs()));
        kept.addAll(r.aboveHorizon().logs());
        TreeSet<Lsn> points = new TreeSet<>(splitPoints(c));
        for (LayerEntry e : c.history()) {
            if (e.lsn().compareTo(c.horizon()) > 0) {
                points.add(e.lsn());
                points.add(e.lsn().add(3));
            }
        }
        points.add(c.horizon().add(1));
        points.add(Lsn.MAX);
        for (Lsn at : points) {
            Read expected = read(c.ancestor(), c.versions(), at);
            Read got = read(c.ancestor(), kept, at);
            if (expected.exists() && !expected.readable() && !startsWithoutBaseAboveHorizon(c)) {
                fail(what + ": the model cannot read the full history at " + at);
            }
            assertEquals(expected, got, what + ": read at " + at);
        }
        // the generated images hold the page of the full history at their LSN
        for (KeyHistoryRetention.AtLsn at : r.belowHorizon()) {
            if (isGeneratedImage(at)) {
                assertEquals(read(c.ancestor(), c.versions(), at.lsn()).page(),
                        utf8(((Value.Image) at.logs().logs().get(0).value()).bytes()), what + ": image at " + at);
            }
        }
    }

    /** The newest retained version is read by the last check: changing it must fail the verification. */
    private void checkTamperingIsCaught(Case c, KeyHistoryRetention r, String what) {
        List<KeyHistoryRetention.AtLsn> below = new ArrayList<>(r.belowHorizon());
        KeyLogAtLsn above = r.aboveHorizon();
        KeyHistoryRetention tampered;
        if (!above.isEmpty()) {
            tampered = new KeyHistoryRetention(below, tamperLast(above));
        } else {
            int i = below.size() - 1;
            while (i >= 0 && below.get(i).logs().isEmpty()) {
                i--;
            }
            assertFalse(i < 0, what + ": a retention without versions");
            below.set(i, new KeyHistoryRetention.AtLsn(below.get(i).lsn(), tamperLast(below.get(i).logs())));
            tampered = new KeyHistoryRetention(below, above);
        }
        KeyRetentionException e = assertThrows(KeyRetentionException.class,
                () -> tampered.verify(KEY, c.ancestorImage(), c.history(), new NeonWalRedo()).block(T), what);
        assertEquals(KEY, e.key(), what);
        assertTrue(e.lsn().isPresent(), what);
    }

    private static KeyLogAtLsn tamperLast(KeyLogAtLsn logs) {
        List<LsnValue> out = new ArrayList<>(logs.logs());
        LsnValue last = out.get(out.size() - 1);
        Value changed;
        if (last.value() instanceof Value.Image image) {
            changed = img(utf8(image.bytes()) + "!");
        } else {
            NeonWalRecord.Test t = (NeonWalRecord.Test) ((Value.WalRecord) last.value()).record();
            changed = new Value.WalRecord(new NeonWalRecord.Test(t.append() + "!", t.clear(), t.willInit(),
                    t.onlyIf()));
        }
        out.set(out.size() - 1, new LsnValue(last.lsn(), changed));
        return new KeyLogAtLsn(out);
    }
}
