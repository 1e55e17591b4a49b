package io.strata.io.buffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.BufferUtil;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A bounded pool of equally sized, aligned direct buffers carved from one slab.
 *
 * <p>A slab of at least {@link #HUGE_PAGE} bytes starts on a huge-page boundary, so that an io engine can have it
 * backed by transparent huge pages ({@link #hugePageRegions()}, {@code IoEngine.adviseHugePages}): a 1 MiB direct
 * read into one huge page is one segment for the device, into 256 scattered 4 KiB pages 256 of them.
 *
 * <p>{@link #tryLease()} never waits. {@link #lease()} is backpressure: when the pool is empty the returned
 * Mono completes when another owner releases a buffer; no thread waits. A cancelled lease never loses a buffer.
 * Leak tracking (off by default, on in tests) records where each outstanding buffer was leased.
 */
public final class AlignedBufferPool {
    private final int bufferSize;
    private final int capacity;
    private final int alignment;
    // Lock-free and spin-free: Agrona's array queues spin while a racing producer publishes, which BlockHound
    // rightly reports on event-loop threads.
    private final Queue<AlignedBuffer> free = new ConcurrentLinkedQueue<>();
    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiterCount = new AtomicInteger();
    private final AtomicInteger available = new AtomicInteger();
    private final Map<AlignedBuffer, Throwable> leaseSites = new ConcurrentHashMap<>();
    private final List<MemoryRegion> hugePageRegions = new ArrayList<>();
    private volatile boolean trackLeaks;

    /** The size of a transparent huge page on x86_64. */
    public static final int HUGE_PAGE = 2 << 20;

    public AlignedBufferPool(int bufferSize, int capacity, int alignment) {
        if (Integer.bitCount(alignment) != 1 || alignment < 512) {
            throw new IllegalArgumentException("alignment must be a power of two >= 512, got " + alignment);
        }
        if (bufferSize <= 0 || bufferSize % alignment != 0) {
            throw new IllegalArgumentException("buffer size " + bufferSize + " must be a positive multiple of " + alignment);
        }
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.bufferSize = bufferSize;
        this.capacity = capacity;
        this.alignment = alignment;
        // One slab per 1 GiB at most: a ByteBuffer is int-indexed.
        int perSlab = (int) Math.max(1, Math.min(capacity, (1L << 30) / bufferSize));
        int made = 0;
        while (made < capacity) {
            int n = Math.min(perSlab, capacity - made);
            long bytes = (long) n * bufferSize;
            ByteBuffer slab;
            if (bytes >= HUGE_PAGE && alignment <= HUGE_PAGE) {
                // Not alignedSlice(): it also rounds the end down to the alignment, losing buffers.
                ByteBuffer raw = ByteBuffer.allocateDirect((int) bytes + HUGE_PAGE);
                long address = BufferUtil.address(raw);
                int skew = (int) ((HUGE_PAGE - (address & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1));
                slab = raw.position(skew).limit(skew + (int) bytes).slice();
                hugePageRegions.add(new MemoryRegion(address + skew, bytes / HUGE_PAGE * HUGE_PAGE));
            } else {
                slab = ByteBuffer.allocateDirect((int) bytes + alignment).alignedSlice(alignment);
            }
            for (int i = 0; i < n; i++) {
                ByteBuffer slice = slab.duplicate().position(i * bufferSize).limit((i + 1) * bufferSize).slice();
                free.offer(new AlignedBuffer(slice, alignment, this));
                available.incrementAndGet();
            }
            made += n;
        }
    }

    public int bufferSize() {
        return bufferSize;
    }

    /**
     * The whole huge pages of this pool's memory (slabs of at least {@link #HUGE_PAGE} bytes; none for a small
     * pool): what an io engine may ask the kernel to back with transparent huge pages. Valid while the pool is
     * reachable.
     */
    public List<MemoryRegion> hugePageRegions() {
        return List.copyOf(hugePageRegions);
    }

    public int capacity() {
        return capacity;
    }

    public int alignment() {
        return alignment;
    }

    /** Buffers available right now. */
    public int available() {
        return available.get();
    }

    /** Leases waiting for a buffer. */
    public int waiting() {
        return waiterCount.get();
    }

    /** A buffer, or null when the pool is empty. */
    public AlignedBuffer tryLease() {
        AlignedBuffer b = pollFree();
        if (b != null) {
            onLeased(b);
        }
        return b;
    }

    /** A buffer now, or when one is released. Cancelling the lease returns any buffer it was given. */
    public Mono<AlignedBuffer> lease() {
        return Mono.<AlignedBuffer>create(sink -> {
            Waiter w = new Waiter(sink);
            sink.onCancel(w::cancel);
            AlignedBuffer b = tryLease();
            if (b != null) {
                if (!w.serve(b)) {
                    b.release(); // cancelled already
                }
                return;
            }
            waiters.add(w);
            waiterCount.incrementAndGet();
            // A release may have happened between our poll and our add: hand out anything now free.
            drainToWaiters();
        });
    }

    void giveBack(AlignedBuffer b) {
        if (!leaseSites.isEmpty()) {
            leaseSites.remove(b);
        }
        offerFree(b);
        if (waiterCount.get() > 0) {
            drainToWaiters();
        }
    }

    private void drainToWaiters() {
        while (waiterCount.get() > 0) {
            AlignedBuffer b = pollFree();
            if (b == null) {
                return;
            }
            Waiter w;
            boolean served = false;
            while ((w = waiters.poll()) != null) {
                waiterCount.decrementAndGet();
                onLeased(b);
                if (w.serve(b)) {
                    served = true;
                    break;
                }
                // the waiter was cancelled: take the buffer back and try the next one
                unLeased(b);
            }
            if (!served) {
                offerFree(b);
                // A waiter added after our poll may have polled the free queue while we held b: go round again.
                if (waiters.isEmpty()) {
                    return;
                }
            }
        }
    }

    private AlignedBuffer pollFree() {
        AlignedBuffer b = free.poll();
        if (b != null) {
            available.decrementAndGet();
        }
        return b;
    }

    private void offerFree(AlignedBuffer b) {
        free.offer(b);
        available.incrementAndGet();
    }

    private void onLeased(AlignedBuffer b) {
        if (!b.markLeased()) {
            throw new IllegalStateException("pool handed out a buffer that was not free: " + b);
        }
        if (trackLeaks) {
            leaseSites.put(b, new Throwable("leased here"));
        }
    }

    private void unLeased(AlignedBuffer b) {
        leaseSites.remove(b);
        b.release0ForPool();
    }

    /** Records where each buffer is leased, so a leak check can name the culprit. Costs a stack trace per lease. */
    public AlignedBufferPool trackLeaks(boolean on) {
        this.trackLeaks = on;
        if (!on) {
            leaseSites.clear();
        }
        return this;
    }

    /** Outstanding leases with their lease sites (only while leak tracking is on). */
    public List<Throwable> outstandingLeases() {
        return new ArrayList<>(leaseSites.values());
    }

    /** Throws when buffers are still leased, naming where the first one was leased if tracking is on. */
    public void assertNoLeaks() {
        int out = capacity - available.get();
        if (out != 0) {
            List<Throwable> sites = outstandingLeases();
            IllegalStateException e = new IllegalStateException(out + " of " + capacity + " buffers of "
                    + bufferSize + " bytes are still leased");
            if (!sites.isEmpty()) {
                e.initCause(sites.get(0));
            }
            throw e;
        }
    }

    /**
     * One lease waiting for a buffer. MonoSink runs the cancel hook only when it has not delivered a value and never
     * will; a buffer served in that window is then dropped by the sink (as a dropped onNext, which no discard hook
     * sees), so the hook itself gives such a buffer back.
     */
    private static final class Waiter {
        private static final int WAITING = 0;
        private static final int SERVED = 1;
        private static final int CANCELLED = 2;
        private static final int RECLAIMED = 3;

        private final MonoSink<AlignedBuffer> sink;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private volatile AlignedBuffer served;

        Waiter(MonoSink<AlignedBuffer> sink) {
            this.sink = sink;
        }

        boolean serve(AlignedBuffer b) {
            served = b;
            if (state.compareAndSet(WAITING, SERVED)) {
                sink.success(b);
                return true;
            }
            served = null;
            return false;
        }

        void cancel() {
            if (!state.compareAndSet(WAITING, CANCELLED) && state.compareAndSet(SERVED, RECLAIMED)) {
                served.release();
            }
        }
    }
}
