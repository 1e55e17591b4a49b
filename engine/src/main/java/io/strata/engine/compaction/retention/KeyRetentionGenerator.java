package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.read.GetVectored;
import io.strata.engine.read.ValueReconstructState;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.BaseImage;
import io.strata.engine.walredo.LsnRecord;
import io.strata.engine.walredo.WalRedoManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decides which versions of a key gc-compaction keeps (Neon's {@code Timeline::generate_key_retention}), with the
 * timeline's WAL redo to reconstruct the images it generates.
 */
public final class KeyRetentionGenerator {
    /** Neon's {@code COMPACTION_DELTA_THRESHOLD}: the delta threshold gc-compaction runs with. */
    public static final int COMPACTION_DELTA_THRESHOLD = 5;

    private final WalRedoManager redo;

    public KeyRetentionGenerator(WalRedoManager redo) {
        this.redo = Objects.requireNonNull(redo, "redo");
    }

    /**
     * Takes the history of one key within a compaction and produces the versions to keep at each retain LSN, at
     * the horizon, and above it. For example, with
     *
     * <pre>
     * A@0x10, +B@0x20, +C@0x30, +D@0x40, +E@0x50, +F@0x60
     * horizon = 0x50, retain_lsn = 0x20, 0x40, delta_threshold=3
     * </pre>
     *
     * it produces
     *
     * <pre>
     * 0x20(retain_lsn) -> img=AB@0x20                  always a single image below the lowest retain LSN
     * 0x40(retain_lsn) -> deltas=[+C@0x30, +D@0x40]    two deltas since the last base image, kept
     * 0x50(horizon)    -> deltas=[ABCDE@0x50]          three deltas since the last base image: an image
     * above_horizon    -> deltas=[+F@0x60]             the full history above the horizon
     * </pre>
     *
     * <p>The history is split into buckets {@code previous split < lsn <= split} at each retain LSN and at the
     * horizon, plus one bucket above the horizon. Of two versions at one LSN (the k-merge of an image layer and a
     * delta layer) the first, the image, is kept. A bucket becomes one image at its split LSN when it is the
     * lowest and there is no ancestor image, or when at least {@code deltaThresholdCnt} versions came since the
     * last image; the bucket above the horizon is always kept as is. Versions below the newest image or will_init
     * record of the lowest bucket that has any are dropped (an incomplete history, left behind by legacy GC);
     * without one the history is invalid. Buckets below the key's first version stay empty.
     *
     * @param key                      the key
     * @param fullHistory              the key's versions in (lsn) order, an image before a delta at the same LSN
     * @param horizon                  the GC horizon
     * @param retainLsnsBelowHorizon   the retain LSNs (branch points, leases), ascending, all below the horizon
     * @param deltaThresholdCnt        versions since the last image from which a bucket becomes an image
     * @param baseImgFromAncestor      the page below the history (a branch's ancestor), if the history has data
     *                                 below it
     * @param verification             whether to {@linkplain KeyHistoryRetention#verify verify} the result
     * @return the retention; fails with {@link IllegalArgumentException} for arguments breaking the rules above,
     *     {@link KeyRetentionException} for a history without a base image or a failed verification, and the
     *     read path's {@code PageReconstructException} when an image cannot be reconstructed
     */
    public Mono<KeyHistoryRetention> generateKeyRetention(Key key, List<LayerEntry> fullHistory, Lsn horizon,
            List<Lsn> retainLsnsBelowHorizon, int deltaThresholdCnt, Optional<AncestorImage> baseImgFromAncestor,
            boolean verification) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(horizon, "horizon");
        Objects.requireNonNull(baseImgFromAncestor, "baseImgFromAncestor");
        List<LayerEntry> history = List.copyOf(fullHistory);
        List<Lsn> retainLsns = List.copyOf(retainLsnsBelowHorizon);
        return Mono.defer(() -> {
            checkInvariants(key, history, horizon, retainLsns, deltaThresholdCnt);
            Generation g = new Generation(key, history, horizon, retainLsns, deltaThresholdCnt, baseImgFromAncestor);
            Mono<KeyHistoryRetention> retention = Flux.range(0, g.splitHistory.size())
                    .concatMap(g::processBucket, 0)
                    .then(Mono.fromCallable(g::result));
            if (!verification) {
                return retention;
            }
            return retention.flatMap(r -> r.verify(key, baseImgFromAncestor, history, redo).thenReturn(r));
        });
    }

    /** Neon's debug-mode assertions, always on: they are cheap next to the redo, and a violation corrupts data. */
    private static void checkInvariants(Key key, List<LayerEntry> history, Lsn horizon, List<Lsn> retainLsns,
            int deltaThresholdCnt) {
        if (deltaThresholdCnt < 0) {
            throw new IllegalArgumentException("negative delta threshold " + deltaThresholdCnt);
        }
        for (LayerEntry e : history) {
            if (!e.key().equals(key)) {
                throw new IllegalArgumentException("mismatched key: " + e.key() + " in the history of " + key);
            }
        }
        for (int i = 1; i < history.size(); i++) {
            LayerEntry prev = history.get(i - 1);
            int c = prev.lsn().compareTo(history.get(i).lsn());
            if (c > 0) {
                throw new IllegalArgumentException("unordered LSN: " + history.get(i).lsn() + " after "
                        + prev.lsn() + " in the history of " + key);
            }
            if (c == 0 && !(prev.value() instanceof Value.Image)) {
                throw new IllegalArgumentException("unordered delta/image, or duplicated delta at " + prev.lsn()
                        + " in the history of " + key);
            }
        }
        for (Lsn lsn : retainLsns) {
            if (lsn.compareTo(horizon) >= 0) {
                throw new IllegalArgumentException("retain lsn must be below horizon: " + lsn + " >= " + horizon);
            }
        }
        for (int i = 1; i < retainLsns.size(); i++) {
            if (retainLsns.get(i - 1).compareTo(retainLsns.get(i)) > 0) {
                throw new IllegalArgumentException("unordered LSN: retain lsn " + retainLsns.get(i) + " after "
                        + retainLsns.get(i - 1));
            }
        }
    }

    /** One run of Neon's step 3 over the buckets; touched by one bucket at a time (concatMap). */
    private final class Generation {
        private final Key key;
        private final List<LayerEntry> fullHistory;
        private final Lsn horizon;
        private final List<Lsn> retainLsns;
        private final int deltaThresholdCnt;
        private final boolean hasAncestor;
        /** The retain LSNs and the horizon: bucket i holds {@code lsnSplitPoints[i - 1] < lsn <= lsnSplitPoints[i]}. */
        private final List<Lsn> lsnSplitPoints;
        private final List<List<LayerEntry>> splitHistory;
        private final List<List<LsnValue>> retention = new ArrayList<>();
        /** From the newest image or will_init record on, what reconstructs the key at the current bucket. */
        private List<LayerEntry> replayHistory = new ArrayList<>();
        private int recordsSinceLastImage;
        private boolean keyExists;

        Generation(Key key, List<LayerEntry> fullHistory, Lsn horizon, List<Lsn> retainLsns, int deltaThresholdCnt,
                Optional<AncestorImage> baseImgFromAncestor) {
            this.key = key;
            this.fullHistory = fullHistory;
            this.horizon = horizon;
            this.retainLsns = retainLsns;
            this.deltaThresholdCnt = deltaThresholdCnt;
            this.hasAncestor = baseImgFromAncestor.isPresent();
            List<Lsn> splits = new ArrayList<>(retainLsns);
            splits.add(horizon);
            this.lsnSplitPoints = List.copyOf(splits);
            this.splitHistory = dedup(split(fullHistory, lsnSplitPoints));
            baseImgFromAncestor.ifPresent(a -> replayHistory.add(new LayerEntry(a.key(), a.lsn(),
                    new Value.Image(a.img()))));
        }

        /** Step 3 for bucket {@code i}: keep its versions, or replace them by an image reconstructed here. */
        Mono<Void> processBucket(int i) {
            List<LayerEntry> splitForLsn = splitHistory.get(i);
            int batchCnt = splitHistory.size();
            recordsSinceLastImage += splitForLsn.size();
            boolean produceImage;
            if (i == 0 && !hasAncestor) {
                // always an image for the lowest retain LSN (or the horizon)
                produceImage = true;
            } else if (i == batchCnt - 1) {
                // never above the horizon
                produceImage = false;
            } else if (recordsSinceLastImage == 0) {
                produceImage = false;
            } else {
                produceImage = recordsSinceLastImage >= deltaThresholdCnt;
            }
            replayHistory.addAll(splitForLsn);
            // only the versions from the newest image or will_init record on matter
            for (int idx = replayHistory.size() - 1; idx >= 0; idx--) {
                if (replayHistory.get(idx).value().willInit()) {
                    replayHistory = new ArrayList<>(replayHistory.subList(idx, replayHistory.size()));
                    break;
                }
            }
            if (replayHistory.isEmpty() && !keyExists) {
                // the key does not exist yet at this LSN
                retention.add(List.of());
                return Mono.empty();
            }
            keyExists = true;
            Lsn bucketLsn = i < lsnSplitPoints.size() ? lsnSplitPoints.get(i) : null;
            if (!replayHistory.get(0).value().willInit()) {
                return Mono.error(new KeyRetentionException(key, bucketLsn,
                        "invalid history, no base image\n" + debugTrace(replayHistory), null));
            }
            if (!produceImage) {
                retention.add(splitForLsn.stream().map(e -> new LsnValue(e.lsn(), e.value())).toList());
                return Mono.empty();
            }
            recordsSinceLastImage = 0;
            List<LayerEntry> history = replayHistory;
            replayHistory = new ArrayList<>();
            ValueReconstructState state;
            try {
                state = reconstructState(history);
            } catch (KeyRetentionException e) {
                return Mono.error(e);
            }
            // the bucket above the horizon never produces an image: the request LSN is always a split point
            Lsn requestLsn = i >= lsnSplitPoints.size() ? Lsn.MAX : lsnSplitPoints.get(i);
            return GetVectored.reconstructValue(key, requestLsn, state, redo).doOnNext(img -> {
                replayHistory.add(new LayerEntry(key, requestLsn, new Value.Image(img)));
                retention.add(List.of(new LsnValue(requestLsn, new Value.Image(img))));
            }).then();
        }

        /** The replay history as a read collects it: the image (if it starts with one) and the records after. */
        private ValueReconstructState reconstructState(List<LayerEntry> history) {
            Optional<BaseImage> img = Optional.empty();
            List<LsnRecord> records = new ArrayList<>(history.size());
            int from = 0;
            if (history.get(0).value() instanceof Value.Image first) {
                img = Optional.of(new BaseImage(history.get(0).lsn(), first.bytes()));
                from = 1;
            }
            for (LayerEntry e : history.subList(from, history.size())) {
                if (!(e.value() instanceof Value.WalRecord rec)) {
                    throw new KeyRetentionException(key, e.lsn(), (from == 1
                            ? "invalid record, first record is image, expect walrecords"
                            : "invalid record, first record is walrecord, expect rest are walrecord")
                            + "\n" + debugTrace(history), null);
                }
                records.add(new LsnRecord(e.lsn(), rec.record()));
            }
            // a read collects records newest first
            Collections.reverse(records);
            return new ValueReconstructState(records, img);
        }

        KeyHistoryRetention result() {
            List<KeyHistoryRetention.AtLsn> belowHorizon = new ArrayList<>(lsnSplitPoints.size());
            for (int idx = 0; idx < lsnSplitPoints.size(); idx++) {
                belowHorizon.add(new KeyHistoryRetention.AtLsn(lsnSplitPoints.get(idx),
                        new KeyLogAtLsn(retention.get(idx))));
            }
            return new KeyHistoryRetention(belowHorizon, new KeyLogAtLsn(retention.get(lsnSplitPoints.size())));
        }

        /** Neon's {@code generate_debug_trace}. */
        private String debugTrace(List<LayerEntry> replay) {
            return "replay_history: " + historyTrace(replay) + "\n"
                    + "full_history: " + historyTrace(fullHistory) + "\n"
                    + "when processing: [" + retainLsns.stream().map(Lsn::toString).collect(Collectors.joining(","))
                    + "] horizon=" + horizon;
        }
    }

    /** Step 1: one bucket per split point, the last one above the horizon. */
    private static List<List<LayerEntry>> split(List<LayerEntry> history, List<Lsn> lsnSplitPoints) {
        List<List<LayerEntry>> buckets = new ArrayList<>();
        for (int i = 0; i <= lsnSplitPoints.size(); i++) {
            buckets.add(new ArrayList<>());
        }
        int current = 0;
        for (LayerEntry e : history) {
            while (current < lsnSplitPoints.size() && e.lsn().compareTo(lsnSplitPoints.get(current)) > 0) {
                current++;
            }
            buckets.get(current).add(e);
        }
        return buckets;
    }

    /**
     * Step 2: of versions at one LSN keep the first. A k-merge of an image layer and a delta layer gives both
     * the image and the delta at the image's LSN, the image first; the image alone is enough.
     */
    private static List<List<LayerEntry>> dedup(List<List<LayerEntry>> buckets) {
        List<List<LayerEntry>> out = new ArrayList<>(buckets.size());
        for (List<LayerEntry> bucket : buckets) {
            List<LayerEntry> kept = new ArrayList<>(bucket.size());
            Lsn prevLsn = null;
            for (LayerEntry e : bucket) {
                if (e.lsn().equals(prevLsn)) {
                    continue;
                }
                prevLsn = e.lsn();
                kept.add(e);
            }
            out.add(kept);
        }
        return out;
    }

    /** Neon's {@code generate_history_trace}: i@ for images, di@ for will_init records, d@ for the others. */
    static String historyTrace(List<LayerEntry> history) {
        if (history.isEmpty()) {
            return "<no history>";
        }
        StringBuilder out = new StringBuilder("key=").append(history.get(0).key()).append(' ');
        int cnt = 0;
        for (LayerEntry e : history) {
            String kind = e.value() instanceof Value.Image ? "i" : e.value().willInit() ? "di" : "d";
            out.append(kind).append('@').append(e.lsn()).append(' ');
            if (++cnt >= 128) {
                out.append("... and more");
                break;
            }
        }
        return out.toString();
    }
}
