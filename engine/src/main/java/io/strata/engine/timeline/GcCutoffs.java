package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import java.util.Objects;
import java.util.Optional;

/**
 * Neon's {@code GcCutoffs}: how far back history is needed, by space ({@code gc_horizon} below the last record LSN)
 * and by time (the PITR interval); GC may go up to the smaller of the two.
 *
 * @param space the space cutoff
 * @param time  the time cutoff; empty when not computed yet (then nothing may be collected)
 */
public record GcCutoffs(Lsn space, Optional<Lsn> time) {
    /** Nothing computed: GC removes nothing. */
    public static final GcCutoffs NONE = new GcCutoffs(Lsn.INVALID, Optional.empty());

    public GcCutoffs {
        Objects.requireNonNull(space, "space");
        Objects.requireNonNull(time, "time");
    }

    /** Neon's {@code select_min}: the planned GC cutoff; 0/0 while the time cutoff is not known. */
    public Lsn selectMin() {
        Lsn t = time.orElse(Lsn.INVALID);
        return space.compareTo(t) <= 0 ? space : t;
    }

    /** Cutoffs never go back (Neon's refresh keeps the larger of the old and new values). */
    public GcCutoffs max(GcCutoffs newer) {
        Lsn s = space.compareTo(newer.space) >= 0 ? space : newer.space;
        Optional<Lsn> t;
        if (time.isEmpty()) {
            t = newer.time;
        } else if (newer.time.isEmpty()) {
            t = time;
        } else {
            t = Optional.of(time.get().compareTo(newer.time.get()) >= 0 ? time.get() : newer.time.get());
        }
        return new GcCutoffs(s, t);
    }

    @Override
    public String toString() {
        return "GcCutoffs{space=" + space + ", time=" + time.map(Lsn::toString).orElse("none") + "}";
    }
}
