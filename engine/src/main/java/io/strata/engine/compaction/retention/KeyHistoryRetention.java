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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What gc-compaction keeps of one key (Neon's {@code KeyHistoryRetention}).
 *
 * @param belowHorizon one entry per retain LSN below the horizon and one for the horizon, ascending: the versions
 *     that, on top of the entries before, reconstruct the key at that LSN (versions at or below it)
 * @param aboveHorizon every version above the horizon, so that any LSN above it can be read
 */
public record KeyHistoryRetention(List<AtLsn> belowHorizon, KeyLogAtLsn aboveHorizon) {

    /** The versions kept for one retain LSN (Neon's {@code (Lsn, KeyLogAtLsn)}). */
    public record AtLsn(Lsn lsn, KeyLogAtLsn logs) {
        public AtLsn {
            Objects.requireNonNull(lsn, "lsn");
            Objects.requireNonNull(logs, "logs");
        }
    }

    public KeyHistoryRetention {
        belowHorizon = List.copyOf(belowHorizon);
        Objects.requireNonNull(aboveHorizon, "aboveHorizon");
    }

    /**
     * Writes the retention of {@code key} (Neon's {@code pipe_to}): when the lowest retain LSN keeps exactly one
     * image, that image goes to {@code imageWriter} if there is one (a bottom-most compaction), else to the delta
     * writer at the lowest retain LSN; every other version, below and above the horizon, goes to the delta
     * writer at its own LSN. Puts are issued one after the other, each after the previous one completed.
     */
    public Mono<Void> pipeTo(Key key, DeltaWriterSink deltaWriter, Optional<ImageWriterSink> imageWriter) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(deltaWriter, "deltaWriter");
        Objects.requireNonNull(imageWriter, "imageWriter");
        return Mono.defer(() -> {
            List<Supplier<Mono<Void>>> puts = new ArrayList<>();
            boolean firstBatch = true;
            for (AtLsn at : belowHorizon) {
                List<LsnValue> logs = at.logs().logs();
                if (firstBatch && logs.size() == 1 && logs.get(0).value() instanceof Value.Image img) {
                    // Neon puts the bottom-most image at the cutoff LSN, whatever the LSN it was kept with
                    if (imageWriter.isPresent()) {
                        ImageWriterSink images = imageWriter.get();
                        puts.add(() -> images.putImage(key, img.bytes()));
                    } else {
                        puts.add(() -> deltaWriter.putValue(key, at.lsn(), img));
                    }
                } else {
                    for (LsnValue v : logs) {
                        puts.add(() -> deltaWriter.putValue(key, v.lsn(), v.value()));
                    }
                }
                firstBatch = false;
            }
            for (LsnValue v : aboveHorizon.logs()) {
                puts.add(() -> deltaWriter.putValue(key, v.lsn(), v.value()));
            }
            return Flux.fromIterable(puts).concatMap(Supplier::get, 0).then();
        });
    }

    /**
     * Checks that every LSN the retention promises can be read (Neon's {@code verify}), and, beyond Neon, that it
     * reads the same page as the full history does: the retained versions are replayed as a read would collect
     * them, at each retain LSN at or above the key's first version, just below each image or will_init record
     * above the horizon, and at the newest LSN of the history; each replay is reconstructed with WAL redo and
     * compared with the reconstruction of the full history (and the ancestor image) cut at the same point.
     *
     * @return completes empty, or fails with a {@link KeyRetentionException} naming the key and the LSN
     */
    public Mono<Void> verify(Key key, Optional<AncestorImage> baseImgFromAncestor, List<LayerEntry> fullHistory,
            WalRedoManager redo) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(baseImgFromAncestor, "baseImgFromAncestor");
        Objects.requireNonNull(redo, "redo");
        List<LayerEntry> history = List.copyOf(fullHistory);
        return Mono.defer(() -> {
            if (history.isEmpty()) {
                // never happens in compaction: a key without history gets no retention
                return Mono.empty();
            }
            Lsn minLsn = history.stream().map(LayerEntry::lsn).min(Lsn::compareTo).orElseThrow();
            Lsn maxLsn = history.stream().map(LayerEntry::lsn).max(Lsn::compareTo).orElseThrow();
            List<Check> checks = checks(baseImgFromAncestor, history, minLsn, maxLsn);
            return Flux.fromIterable(checks).concatMap(c -> c.run(key, redo), 0).then();
        });
    }

    /**
     * The points Neon's {@code verify} reconstructs, each with the state the retention gives there and the state
     * the full history gives at the same cut. Cuts only go up (retain LSNs are sorted and below the horizon, the
     * versions above it are in order), except that the newest LSN may lie below a retain LSN, where both cuts take
     * the whole history: one pass over the full history serves all checks.
     */
    private List<Check> checks(Optional<AncestorImage> ancestor, List<LayerEntry> history, Lsn minLsn,
            Lsn maxLsn) {
        List<Check> checks = new ArrayList<>();
        Replay retained = new Replay(ancestor);
        FullReplay full = new FullReplay(ancestor, history);
        for (AtLsn at : belowHorizon) {
            for (LsnValue v : at.logs().logs()) {
                retained.apply(v.lsn(), v.value());
            }
            // only from the first version of the key on: below it, the key does not exist
            if (at.lsn().compareTo(minLsn) >= 0) {
                checks.add(new Check(at.lsn(), "below horizon retain_lsn", false, retained.state(),
                        full.stateAt(at.lsn(), true)));
            }
        }
        for (LsnValue v : aboveHorizon.logs()) {
            if (v.value().willInit()) {
                // above the horizon, check every time an image or an init record starts over: the page just below
                String what = v.value() instanceof Value.Image ? "above horizon full image"
                        : "above horizon init record";
                checks.add(new Check(v.lsn(), what, true, retained.state(), full.stateAt(v.lsn(), false)));
            }
            retained.apply(v.lsn(), v.value());
        }
        checks.add(new Check(maxLsn, "latest record", false, retained.state(), full.stateAt(maxLsn, true)));
        return checks;
    }

    /** One reconstruction of the retention and of the full history; a state is null where there is no version. */
    private record Check(Lsn lsn, String what, boolean skipEmpty, ValueReconstructState retained,
            ValueReconstructState full) {

        Mono<Void> run(Key key, WalRedoManager redo) {
            if (retained == null) {
                if (!skipEmpty) {
                    return Mono.error(new KeyRetentionException(key, lsn,
                            "verification failed (" + what + "): key has no history", null));
                }
                if (full != null) {
                    return Mono.error(new KeyRetentionException(key, lsn, "verification failed (" + what
                            + "): the retention has no version of the key, but the full history has", null));
                }
                return Mono.empty();
            }
            Mono<byte[]> kept = GetVectored.reconstructValue(key, lsn, retained, redo)
                    .onErrorMap(e -> new KeyRetentionException(key, lsn, "verification failed (" + what
                            + "): the retention does not reconstruct: " + e.getMessage(), e));
            if (full == null) {
                return kept.then(Mono.error(new KeyRetentionException(key, lsn, "verification failed (" + what
                        + "): the retention has a page, but the full history has no version of the key", null)));
            }
            Mono<byte[]> expected = GetVectored.reconstructValue(key, lsn, full, redo)
                    .onErrorMap(e -> new KeyRetentionException(key, lsn, "verification failed (" + what
                            + "): the full history does not reconstruct: " + e.getMessage(), e));
            return kept.zipWith(expected).flatMap(pages -> {
                byte[] got = pages.getT1();
                byte[] want = pages.getT2();
                if (Arrays.equals(got, want)) {
                    return Mono.empty();
                }
                return Mono.error(new KeyRetentionException(key, lsn, "verification failed (" + what
                        + "): the retention reconstructs a page of " + got.length + " bytes that differs from the "
                        + want.length + "-byte page of the full history at offset "
                        + Arrays.mismatch(got, want), null));
            });
        }
    }

    /** What a read collects walking versions upwards: the newest image, or will_init record, and what follows. */
    private static class Replay {
        private Optional<BaseImage> baseImg;
        private final List<LsnRecord> history = new ArrayList<>();

        Replay(Optional<AncestorImage> ancestor) {
            baseImg = ancestor.map(a -> new BaseImage(a.lsn(), a.img()));
        }

        void apply(Lsn lsn, Value value) {
            if (value instanceof Value.Image img) {
                baseImg = Optional.of(new BaseImage(lsn, img.bytes()));
                history.clear();
            } else {
                Value.WalRecord rec = (Value.WalRecord) value;
                if (rec.willInit()) {
                    baseImg = Optional.empty();
                    history.clear();
                }
                history.add(new LsnRecord(lsn, rec.record()));
            }
        }

        /** The state for a read here (records newest first), or null without any version. */
        ValueReconstructState state() {
            if (baseImg.isEmpty() && history.isEmpty()) {
                return null;
            }
            List<LsnRecord> newestFirst = new ArrayList<>(history);
            Collections.reverse(newestFirst);
            return new ValueReconstructState(newestFirst, baseImg);
        }
    }

    /** The full history replayed up to rising cuts, without the k-merge duplicates, as the generation drops them. */
    private static final class FullReplay extends Replay {
        private final List<LayerEntry> history;
        private int next;
        private Lsn lastLsn;

        FullReplay(Optional<AncestorImage> ancestor, List<LayerEntry> history) {
            super(ancestor);
            this.history = history;
        }

        ValueReconstructState stateAt(Lsn cut, boolean inclusive) {
            while (next < history.size()) {
                LayerEntry e = history.get(next);
                int c = e.lsn().compareTo(cut);
                if (c > 0 || (c == 0 && !inclusive)) {
                    break;
                }
                // an image sorts before a delta at the same LSN: keep the image, drop the delta
                if (!e.lsn().equals(lastLsn)) {
                    apply(e.lsn(), e.value());
                    lastLsn = e.lsn();
                }
                next++;
            }
            return state();
        }
    }
}
