package io.strata.engine.compaction.legacy;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.delta.DeltaEntry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Where L0 compaction cuts its output, decided from the input's index alone: the loop of Neon's
 * {@code compact_level0_phase1} that walks every value in (key, lsn) order and, at each new key (or where a key's
 * history was split), looks ahead at the key's value sizes to decide whether the current L1 layer is finished
 * (too large with this key, the key itself too large, a hole reached) and which LSN range the next one gets (the
 * L0s' whole range, or a slice of one key's history when that key alone exceeds the target size).
 *
 * <p>Neon runs this loop while it writes; Strata runs it over the index entries (two passes of a streaming
 * k-merge of the L0 indexes: one as the values, one as Neon's coalesced {@code all_keys_iter}), producing a short
 * plan (two {@link Step}s per output layer) that the write pass applies to the value stream. So the value stream
 * never needs lookahead, and memory is the plan, not the keys. The steps go to a {@link StepSink} as they are
 * decided, with the planner's progress, so the write pass can apply them while the planner is still ahead of it.
 * The written size of the current layer is taken as its values' extents in the input plus the values region start,
 * Neon's {@code writer.size()} to within the index.
 */
public final class Level0SplitPlanner {
    /**
     * A change before the value with ordinal {@code ordinal} (0-based position in the merged value stream): finish
     * the current layer (its end key: the previous value's key's successor), then, if {@code open} is set, start a
     * layer over {@code open} (the LSN range) for this value.
     */
    public record Step(long ordinal, boolean finish, LsnRange open) {
    }

    /** An output layer's LSN range. */
    public record LsnRange(Lsn start, Lsn end) {
        public LsnRange {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
        }
    }

    /** The plan, and the number of values. */
    public record Plan(List<Step> steps, long values, long layers) {
        public Plan {
            steps = List.copyOf(steps);
        }
    }

    /** The number of values planned and of layers they go to. */
    public record Totals(long values, long layers) {
    }

    /** Where the planner puts its steps, in ordinal order, as it decides them. */
    public interface StepSink {
        void step(Step s);

        /** Every step before the value with ordinal {@code ordinal} has been given. */
        void through(long ordinal);
    }

    /** The planner reports its progress to the {@link StepSink} every this many values. */
    static final int PROGRESS_EVERY = 1024;

    private Level0SplitPlanner() {
    }

    /** Plans the cuts into a list (see {@link #plan(Iterator, Iterator, List, LsnRange, long, ShardIdentity, StepSink)}). */
    public static Plan plan(Iterator<DeltaEntry> values, Iterator<DeltaEntry> allKeys, List<KeyRange> holes,
                            LsnRange lsnRange, long targetFileSize, ShardIdentity shard) {
        List<Step> steps = new ArrayList<>();
        Totals t = plan(values, allKeys, holes, lsnRange, targetFileSize, shard, new StepSink() {
            @Override
            public void step(Step s) {
                steps.add(s);
            }

            @Override
            public void through(long ordinal) {
            }
        });
        return new Plan(steps, t.values(), t.layers());
    }

    /**
     * Plans the cuts.
     *
     * @param values   every index entry in (key, lsn) order (the values to be written)
     * @param allKeys  the same entries again, independently iterated (Neon's {@code all_keys}, coalesced here)
     * @param holes    key ranges no output layer may span, sorted by start (Neon's largest holes)
     * @param lsnRange the LSN range of the L0 layers compacted
     * @param shard    keys this shard does not own are dropped (they still count for the cuts, as in Neon)
     * @param steps    receives the steps and, every {@link #PROGRESS_EVERY} values and at the end, the progress
     */
    public static Totals plan(Iterator<DeltaEntry> values, Iterator<DeltaEntry> allKeys, List<KeyRange> holes,
                              LsnRange lsnRange, long targetFileSize, ShardIdentity shard, StepSink steps) {
        Coalesced chunks = new Coalesced(allKeys, targetFileSize);
        Key prevKey = null;
        boolean writerOpen = false;
        long writtenSize = 0;
        long keyValuesTotalSize = 0;
        Lsn dupStart = Lsn.INVALID;
        Lsn dupEnd = Lsn.INVALID;
        int nextHole = 0;
        long ordinal = 0;
        long layers = 0;
        while (values.hasNext()) {
            DeltaEntry v = values.next();
            Key key = v.key();
            Lsn lsn = v.lsn();
            boolean sameKey = key.equals(prevKey);
            boolean finish = false;
            if (!sameKey || lsn.equals(dupEnd)) {
                long nextKeySize = 0;
                boolean isDupLayer = dupEnd.isValid();
                dupStart = Lsn.INVALID;
                if (!sameKey) {
                    dupEnd = Lsn.INVALID;
                }
                while (chunks.hasNext()) {
                    Chunk c = chunks.next();
                    nextKeySize = c.size;
                    if (!key.equals(c.key)) {
                        if (dupEnd.isValid()) {
                            // the rest of this key's history goes into one more slice
                            dupStart = dupEnd;
                            dupEnd = lsnRange.end();
                        }
                        break;
                    }
                    keyValuesTotalSize += c.size;
                    if (keyValuesTotalSize > targetFileSize && !lsn.equals(c.lsn)) {
                        // this key alone is too large: a layer of its history up to (not including) c.lsn
                        dupStart = dupEnd.isValid() ? dupEnd : lsn;
                        dupEnd = c.lsn;
                        break;
                    }
                }
                if (dupEnd.isValid() && !dupStart.isValid()) {
                    dupStart = dupEnd;
                    dupEnd = lsnRange.end();
                }
                if (writerOpen) {
                    boolean containsHole = nextHole < holes.size()
                            && key.compareTo(holes.get(nextHole).end()) >= 0;
                    if (isDupLayer || dupEnd.isValid() || writtenSize + keyValuesTotalSize > targetFileSize
                            || containsHole) {
                        finish = true;
                        writerOpen = false;
                        if (containsHole) {
                            nextHole++;
                        }
                    }
                }
                keyValuesTotalSize = nextKeySize;
            }
            LsnRange open = null;
            if (!shard.isKeyDisposable(key)) {
                if (!writerOpen) {
                    open = dupEnd.isValid() ? new LsnRange(dupStart, dupEnd) : lsnRange;
                    writerOpen = true;
                    writtenSize = LayerFormat.VALUES_START;
                    layers++;
                }
                writtenSize += v.size();
            }
            if (finish || open != null) {
                steps.step(new Step(ordinal, finish, open));
            }
            prevKey = key;
            ordinal++;
            if (ordinal % PROGRESS_EVERY == 0) {
                steps.through(ordinal);
            }
        }
        if (writerOpen) {
            steps.step(new Step(ordinal, true, null));
        }
        steps.through(ordinal);
        return new Totals(ordinal, layers);
    }

    private record Chunk(Key key, Lsn lsn, long size) {
    }

    /**
     * Neon's {@code all_keys_iter}: (key, first lsn, size) of runs of one key's values, a run growing while its size
     * is below the target, so that a key's values are kept together unless they are too large.
     */
    private static final class Coalesced implements Iterator<Chunk> {
        private final Iterator<DeltaEntry> entries;
        private final long target;
        private DeltaEntry pending;

        Coalesced(Iterator<DeltaEntry> entries, long target) {
            this.entries = entries;
            this.target = target;
        }

        @Override
        public boolean hasNext() {
            return pending != null || entries.hasNext();
        }

        @Override
        public Chunk next() {
            DeltaEntry first = pending != null ? pending : nextEntry();
            pending = null;
            long size = first.size();
            while (entries.hasNext()) {
                DeltaEntry e = entries.next();
                if (e.key().equals(first.key()) && size < target) {
                    size += e.size();
                } else {
                    pending = e;
                    break;
                }
            }
            return new Chunk(first.key(), first.lsn(), size);
        }

        private DeltaEntry nextEntry() {
            if (!entries.hasNext()) {
                throw new NoSuchElementException();
            }
            return entries.next();
        }
    }
}
