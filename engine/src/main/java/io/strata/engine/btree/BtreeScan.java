package io.strata.engine.btree;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A scan as a cold, backpressured {@link Flux}: each subscriber gets its own {@link BtreeCursor}, and a page is
 * read only when the subscriber has demand that the pages already held cannot satisfy, apart from the leaves a
 * cursor with read-ahead starts early (bounded by its read-ahead; cancelled when the scan ends). Entries are the cursor's
 * flyweight, emitted only against demand and never queued, so an element is current exactly while its
 * {@code onNext} runs.
 */
final class BtreeScan extends Flux<BtreeEntry> {
    private final BlockReader reader;
    private final long startBlock;
    private final long rootBlock;
    private final int keyLen;
    private final VisitDirection dir;
    private final byte[] searchKey;
    private final int readAheadLeaves;

    BtreeScan(BlockReader reader, long startBlock, long rootBlock, int keyLen, VisitDirection dir, byte[] searchKey,
              int readAheadLeaves) {
        this.reader = reader;
        this.readAheadLeaves = readAheadLeaves;
        this.startBlock = startBlock;
        this.rootBlock = rootBlock;
        this.keyLen = keyLen;
        this.dir = dir;
        this.searchKey = searchKey;
    }

    @Override
    public void subscribe(CoreSubscriber<? super BtreeEntry> actual) {
        BtreeCursor cursor = new BtreeCursor(reader, startBlock, rootBlock, keyLen, dir, searchKey, readAheadLeaves);
        actual.onSubscribe(new ScanSubscription(actual, cursor));
    }

    /** Drain loop in the usual work-in-progress style: whichever thread gets wip 0 emits; others leave a note. */
    private static final class ScanSubscription implements Subscription {
        private final CoreSubscriber<? super BtreeEntry> actual;
        private final BtreeCursor cursor;
        private final AtomicLong requested = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile boolean cancelled;
        /** A page read is under way; the cursor belongs to it until it clears this flag. */
        private volatile boolean loading;
        private volatile Throwable error;
        private volatile Disposable inFlight;
        private boolean done;

        ScanSubscription(CoreSubscriber<? super BtreeEntry> actual, BtreeCursor cursor) {
            this.actual = actual;
            this.cursor = cursor;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                error = new IllegalArgumentException("Reactive Streams rule 3.9: request must be positive, got " + n);
                cancel(); // its drain delivers the error
                return;
            }
            requested.getAndUpdate(r -> Operators.addCap(r, n));
            drain();
        }

        /** Stops the page read in flight at once; the drain loop then cancels the cursor's read-ahead. */
        @Override
        public void cancel() {
            cancelled = true;
            Disposable d = inFlight;
            if (d != null) {
                d.dispose();
            }
            drain();
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                emitLoop();
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void emitLoop() {
            while (!done) {
                Throwable e = error;
                if (e != null) {
                    finish();
                    actual.onError(e);
                    return;
                }
                if (cancelled) {
                    finish();
                    return;
                }
                if (loading) {
                    return;
                }
                if (requested.get() == 0) {
                    if (!cursor.hasMore()) {
                        complete();
                    }
                    return;
                }
                int step;
                try {
                    step = cursor.advance();
                } catch (RuntimeException ex) {
                    error = ex;
                    continue;
                }
                switch (step) {
                    case BtreeCursor.READY -> {
                        actual.onNext(cursor.entry());
                        if (requested.get() != Long.MAX_VALUE) {
                            requested.decrementAndGet();
                        }
                    }
                    case BtreeCursor.NEED_LOAD -> startLoad();
                    default -> complete();
                }
            }
        }

        /** Ends the scan: no more signals, and the cursor's reads ahead are cancelled. */
        private void finish() {
            done = true;
            cursor.close();
        }

        private void complete() {
            finish();
            if (!cancelled) {
                actual.onComplete();
            }
        }

        private void startLoad() {
            loading = true;
            inFlight = cursor.load().subscribe(null, ex -> {
                error = ex;
                loading = false;
                drain();
            }, () -> {
                loading = false;
                drain();
            });
            if (cancelled) {
                inFlight.dispose();
            }
        }
    }
}
