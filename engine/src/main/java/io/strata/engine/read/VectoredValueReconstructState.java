package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.BaseImage;
import io.strata.engine.walredo.LsnRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The reconstruct data of one key during a vectored get (Neon's {@code VectoredValueReconstructState}): the IO
 * futures of its values, newest LSN first, and whether the search for the key is over. Confined to the read that
 * owns it.
 */
final class VectoredValueReconstructState {
    private final List<Lsn> lsns = new ArrayList<>(2);
    private final List<OnDiskValueIo> ios = new ArrayList<>(2);
    private boolean complete;

    boolean isComplete() {
        return complete;
    }

    void markComplete() {
        complete = true;
    }

    void add(Lsn lsn, OnDiskValueIo io) {
        lsns.add(lsn);
        ios.add(io);
    }

    int size() {
        return ios.size();
    }

    /**
     * Waits for every IO of the key, in the order they were planned (newest first), and decodes the values
     * (Neon's {@code collect_pending_ios}). Fails with the first IO's or decoding error, naming the key and LSN.
     */
    Mono<ValueReconstructState> collectPendingIos(Key key) {
        return Mono.defer(() -> {
            Collector c = new Collector(key);
            if (ios.size() == 1) { // the common point lookup
                return ios.get(0).result().map(v -> c.accept(lsns.get(0), v).state());
            }
            return Flux.range(0, ios.size())
                    .concatMap(i -> ios.get(i).result().doOnNext(v -> c.accept(lsns.get(i), v)), 0)
                    .then(Mono.fromSupplier(c::state));
        });
    }

    /** Turns one key's values, taken newest first, into its reconstruct state (also used by {@link PointGet}). */
    static final class Collector {
        private final Key key;
        private final List<LsnRecord> records = new ArrayList<>();
        private BaseImage img;

        Collector(Key key) {
            this.key = key;
        }

        Collector accept(Lsn lsn, OnDiskValue value) {
            if (value instanceof OnDiskValue.RawImage raw) {
                image(lsn, raw.page());
                return this;
            }
            Value v;
            if (value instanceof OnDiskValue.Decoded d) {
                v = d.value();
            } else {
                try {
                    v = Value.deserialize(((OnDiskValue.WalRecordOrImage) value).encoded());
                } catch (RuntimeException e) {
                    throw new PageReconstructException(key, lsn, "cannot decode the value: " + e.getMessage(), e);
                }
            }
            if (v instanceof Value.WalRecord r) {
                records.add(new LsnRecord(lsn, r.record()));
            } else {
                image(lsn, ((Value.Image) v).bytes());
            }
            return this;
        }

        private void image(Lsn lsn, byte[] page) {
            if (img != null) {
                throw new PageReconstructException(key, lsn, "a second image below the image at " + img.lsn()
                        + ": the read path planned past a complete key");
            }
            img = new BaseImage(lsn, page);
        }

        ValueReconstructState state() {
            return new ValueReconstructState(records, Optional.ofNullable(img));
        }
    }
}
