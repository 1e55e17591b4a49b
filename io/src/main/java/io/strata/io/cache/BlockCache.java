package io.strata.io.cache;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import java.io.EOFException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A concurrent cache of {@value #BLOCK_SIZE}-byte file blocks keyed by (file id, block number), with a fixed
 * capacity in blocks and S3-FIFO eviction.
 *
 * <p><b>Eviction.</b> S3-FIFO (Yang et al., SOSP 2023) keeps a small FIFO (about 10% of the capacity), a main FIFO
 * (the rest) and a ghost FIFO of keys recently evicted from the small queue. New blocks enter the small queue;
 * only those read again while there move to main, so a one-time scan passes through the small queue and leaves
 * the hot blocks in main untouched. A block whose key is still in the ghost queue was evicted too early and goes
 * straight to main. Main evicts FIFO but gives a block one more round per recent access (a 2-bit counter).
 *
 * <p><b>Threads.</b> Callers are event loops, so nothing here blocks or parks. A hit is a ConcurrentHashMap lookup
 * plus a racy bump of the block's counter (a lost bump only makes eviction slightly less precise). Inserting and
 * evicting hold a short monitor over the queues. A miss completes on the thread that finished the read.
 *
 * <p><b>Single flight.</b> Concurrent gets of the same missing block share one load: one buffer lease, one read.
 * The load is cancelled only when every waiter has cancelled. A failed load reaches all its waiters and is then
 * forgotten, so the next get retries; errors are not cached.
 *
 * <p><b>Memory.</b> A block is copied from the pooled direct buffer into a cache-owned heap array, so the pool
 * buffer goes back at once and a block a reader holds stays valid after it is evicted. Readers must treat the
 * returned {@link DirectBuffer} as read-only: it is shared by every reader of that block.
 */
public final class BlockCache {
    /** The size of a cached block; block {@code n} starts at file offset {@code n * BLOCK_SIZE}. */
    public static final int BLOCK_SIZE = 8192;

    private static final int MAX_FREQ = 3; // two bits
    private static final long MAX_BLOCK_NO = Long.MAX_VALUE / BLOCK_SIZE;

    private final int capacity;
    private final int smallTarget;
    private final int mainTarget;
    private final AlignedBufferPool pool;
    private final ConcurrentHashMap<BlockKey, Node> blocks;
    private final ConcurrentHashMap<BlockKey, Load> loads = new ConcurrentHashMap<>();

    /** Guards the queues, the ghost set and every change to {@link #blocks}; never held across I/O. */
    private final Object lock = new Object();
    private final NodeQueue small = new NodeQueue();
    private final NodeQueue main = new NodeQueue();
    private final LinkedHashSet<BlockKey> ghost = new LinkedHashSet<>();

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loadsStarted = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * @param capacity the most blocks held at once
     * @param pool     where reads lease their direct buffers; its buffers must hold at least {@value #BLOCK_SIZE}
     *                 bytes and be aligned for the files read through this cache
     */
    public BlockCache(int capacity, AlignedBufferPool pool) {
        Objects.requireNonNull(pool, "pool");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least one block, got " + capacity);
        }
        if (pool.bufferSize() < BLOCK_SIZE) {
            throw new IllegalArgumentException("pool buffers of " + pool.bufferSize() + " bytes cannot hold a "
                    + BLOCK_SIZE + "-byte block");
        }
        this.capacity = capacity;
        this.smallTarget = Math.max(1, capacity / 10);
        this.mainTarget = capacity - smallTarget;
        this.pool = pool;
        this.blocks = new ConcurrentHashMap<>(capacity);
    }

    /**
     * The block {@code blockNo} of {@code file}: the bytes at offset {@code blockNo * BLOCK_SIZE}, fewer than
     * {@value #BLOCK_SIZE} for a short last block. A block at or past the end of the file fails with an
     * {@link EOFException} naming the path, the block and the offset.
     *
     * <p>A cached block is looked up now and returned without allocating beyond the lookup key; a missing one is
     * looked up again, and loaded if need be, when the Mono is subscribed.
     */
    public Mono<DirectBuffer> get(DirectFile file, long blockNo) {
        Objects.requireNonNull(file, "file");
        if (blockNo < 0 || blockNo > MAX_BLOCK_NO) {
            return Mono.error(new IllegalArgumentException("block number " + blockNo + " of " + file.path()
                    + " is out of range"));
        }
        BlockKey key = new BlockKey(file.id(), blockNo);
        Node node = blocks.get(key);
        if (node != null) {
            recordHit(node);
            return node.mono;
        }
        return Mono.defer(() -> lookupOrLoad(file, key));
    }

    /**
     * The block if it is cached now (counted as a hit), else null: nothing is loaded. Lets a caller take a
     * synchronous path when everything it needs is in memory and fall back to {@link #get} otherwise.
     */
    public DirectBuffer getIfCached(DirectFile file, long blockNo) {
        Node node = blocks.get(new BlockKey(file.id(), blockNo));
        if (node == null) {
            return null;
        }
        recordHit(node);
        return node.buffer;
    }

    /**
     * Drops every cached block of a file (call it when the file is closed) and makes loads of that file now in
     * flight deliver to their waiters without caching. Scans the whole cache under the queue monitor: file
     * closes are rare. Returns the number of blocks dropped.
     */
    public int invalidateFile(long fileId) {
        int dropped = 0;
        synchronized (lock) {
            for (Load load : loads.values()) {
                if (load.key.fileId() == fileId) {
                    load.invalidated = true;
                }
            }
            for (Iterator<Node> it = blocks.values().iterator(); it.hasNext(); ) {
                Node node = it.next();
                if (node.key.fileId() == fileId) {
                    node.queue.unlink(node);
                    it.remove();
                    dropped++;
                }
            }
            ghost.removeIf(k -> k.fileId() == fileId);
        }
        return dropped;
    }

    /** The most blocks held at once. */
    public int capacity() {
        return capacity;
    }

    /** Blocks held now; never more than {@link #capacity()}. */
    public int size() {
        return blocks.size();
    }

    /** The counters so far, read without stopping readers (so only approximately consistent with each other). */
    public Stats stats() {
        return new Stats(hits.sum(), misses.sum(), loadsStarted.sum(), loadFailures.sum(), evictions.sum());
    }

    /**
     * Cache counters.
     *
     * @param hits         gets answered from a cached block
     * @param misses       gets that found no cached block (they started a load or joined one in flight)
     * @param loads        reads started; fewer than misses when concurrent gets shared a load
     * @param loadFailures loads that ended in an error delivered to their waiters
     * @param evictions    blocks evicted to make room (invalidated blocks are not counted)
     */
    public record Stats(long hits, long misses, long loads, long loadFailures, long evictions) {
        /** Hits over all gets, 0 before the first get. */
        public double hitRatio() {
            long total = hits + misses;
            return total == 0 ? 0 : (double) hits / total;
        }
    }

    @Override
    public String toString() {
        return "BlockCache{capacity=" + capacity + ", size=" + size() + ", " + stats() + '}';
    }

    private void recordHit(Node node) {
        hits.increment();
        int f = node.freq;
        if (f < MAX_FREQ) { // no write once saturated: hot blocks do not bounce their cache line between cores
            node.freq = f + 1;
        }
    }

    /** At subscription of a miss: the block if it arrived meanwhile, else the load in flight, else a new load. */
    private Mono<DirectBuffer> lookupOrLoad(DirectFile file, BlockKey key) {
        Node node = blocks.get(key);
        if (node != null) {
            recordHit(node);
            return node.mono;
        }
        misses.increment();
        for (;;) {
            Load load = loads.get(key);
            if (load == null) {
                Load fresh = new Load(file, key);
                load = loads.putIfAbsent(key, fresh);
                if (load == null) {
                    return fresh.start();
                }
            }
            if (load.join()) {
                return load.waiter();
            }
            loads.remove(key, load); // every waiter left it: it is being cancelled, start another
        }
    }

    /** Reads one block into a leased buffer, copies it to the heap and gives the buffer back at once. */
    private Mono<DirectBuffer> readBlock(DirectFile file, long blockNo, AlignedBuffer buffer) {
        long offset = blockNo * BLOCK_SIZE;
        Mono<Integer> read;
        try {
            read = file.read(offset, buffer, BLOCK_SIZE);
        } catch (RuntimeException e) {
            buffer.release();
            return Mono.error(e);
        }
        // On success or error the buffer is ours again; on cancel the engine owns it and releases it itself,
        // so neither step below runs then.
        return read
                .doOnError(e -> buffer.release())
                .handle((bytes, sink) -> {
                    byte[] copy = null;
                    try {
                        if (bytes > 0) {
                            copy = new byte[bytes];
                            buffer.view().getBytes(0, copy);
                        }
                    } finally {
                        buffer.release();
                    }
                    if (copy == null) {
                        sink.error(new EOFException("block " + blockNo + " of " + file.path() + " (offset " + offset
                                + ") is past the end of the file"));
                    } else {
                        sink.next(new UnsafeBuffer(copy));
                    }
                });
    }

    /** Caches a loaded block unless its file was invalidated meanwhile, evicting first so the bound holds. */
    private void insert(Load load, DirectBuffer buffer) {
        synchronized (lock) {
            if (load.invalidated || blocks.containsKey(load.key)) {
                return;
            }
            while (small.size + main.size >= capacity) {
                evictOne();
            }
            Node node = new Node(load.key, buffer);
            if (ghost.remove(load.key)) {
                main.addFirst(node); // evicted from the small queue too early: it was wanted again
            } else {
                small.addFirst(node);
            }
            blocks.put(load.key, node);
        }
    }

    // The eviction steps below run under the lock.

    private void evictOne() {
        if (small.size >= smallTarget || main.size == 0) {
            evictFromSmall();
        } else {
            evictFromMain();
        }
    }

    /** Moves blocks read again while in the small queue to main; evicts the first one that was not. */
    private void evictFromSmall() {
        Node tail;
        while ((tail = small.removeLast()) != null) {
            if (tail.freq > 0) {
                tail.freq = 0;
                main.addFirst(tail);
                if (main.size > mainTarget) {
                    evictFromMain();
                }
            } else {
                drop(tail);
                rememberEvicted(tail.key);
                return;
            }
        }
    }

    /** FIFO with reinsertion: a block read since its last pass gets another round with one access fewer. */
    private void evictFromMain() {
        Node tail;
        while ((tail = main.removeLast()) != null) {
            int f = tail.freq;
            if (f > 0) {
                tail.freq = f - 1;
                main.addFirst(tail);
            } else {
                drop(tail);
                return;
            }
        }
    }

    private void drop(Node node) {
        blocks.remove(node.key, node);
        evictions.increment();
    }

    private void rememberEvicted(BlockKey key) {
        if (mainTarget == 0) {
            return;
        }
        ghost.add(key);
        if (ghost.size() > mainTarget) {
            Iterator<BlockKey> oldest = ghost.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** The cache key. {@link DirectFile#id()} is process-unique, so blocks of different files never mix. */
    private record BlockKey(long fileId, long blockNo) {
    }

    /** A cached block: its buffer, a Mono made once so hits allocate nothing, and its place in a queue. */
    private static final class Node {
        final BlockKey key;
        final DirectBuffer buffer;
        final Mono<DirectBuffer> mono;
        /** Accesses since insertion or the last eviction pass, 0..3; bumped racily by hits. */
        volatile int freq;
        // Guarded by the cache's lock.
        NodeQueue queue;
        Node prev;
        Node next;

        Node(BlockKey key, DirectBuffer buffer) {
            this.key = key;
            this.buffer = buffer;
            this.mono = Mono.just(buffer);
        }
    }

    /** An intrusive FIFO (new at the head, evicted at the tail) with O(1) unlinking for invalidation. */
    private static final class NodeQueue {
        Node head;
        Node tail;
        int size;

        void addFirst(Node node) {
            node.queue = this;
            node.prev = null;
            node.next = head;
            if (head != null) {
                head.prev = node;
            } else {
                tail = node;
            }
            head = node;
            size++;
        }

        Node removeLast() {
            Node t = tail;
            if (t != null) {
                unlink(t);
            }
            return t;
        }

        void unlink(Node node) {
            if (node.prev != null) {
                node.prev.next = node.next;
            } else {
                head = node.next;
            }
            if (node.next != null) {
                node.next.prev = node.prev;
            } else {
                tail = node.prev;
            }
            node.prev = null;
            node.next = null;
            node.queue = null;
            size--;
        }
    }

    /**
     * One read in flight, shared by every get of its block. It subscribes to the lease-and-read pipeline itself,
     * so one waiter leaving does not cancel it for the others; the last waiter leaving does.
     */
    private final class Load extends BaseSubscriber<DirectBuffer> {
        private static final int PENDING = 0;
        private static final int DONE = 1;
        private static final int ABANDONED = 2;

        final BlockKey key;
        private final DirectFile file;
        private final Sinks.One<DirectBuffer> result = Sinks.one();
        /** Waiters not yet cancelled; once 0 nobody may join, because the load is being cancelled. */
        private final AtomicInteger waiters = new AtomicInteger(1); // the creator
        private final AtomicInteger state = new AtomicInteger(PENDING);
        /** Set under the cache's lock when the file is invalidated: deliver, but do not cache. */
        boolean invalidated;

        Load(DirectFile file, BlockKey key) {
            this.file = file;
            this.key = key;
        }

        /** Called by the creator once the load is published: serves a block that arrived meanwhile, else reads. */
        Mono<DirectBuffer> start() {
            Node node = blocks.get(key);
            if (node != null) {
                // A load that finished between our lookup and our publication: no second read.
                if (state.compareAndSet(PENDING, DONE)) {
                    loads.remove(key, this);
                    result.tryEmitValue(node.buffer);
                }
            } else {
                loadsStarted.increment();
                pool.lease().flatMap(buffer -> readBlock(file, key.blockNo(), buffer)).subscribe(this);
            }
            return waiter();
        }

        boolean join() {
            for (;;) {
                int n = waiters.get();
                if (n == 0) {
                    return false;
                }
                if (waiters.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        Mono<DirectBuffer> waiter() {
            return result.asMono().doOnCancel(this::leave);
        }

        private void leave() {
            if (waiters.decrementAndGet() == 0 && state.compareAndSet(PENDING, ABANDONED)) {
                loads.remove(key, this);
                dispose(); // cancels the lease or the read; the engine releases a buffer it holds
            }
        }

        @Override
        protected void hookOnNext(DirectBuffer block) {
            if (!state.compareAndSet(PENDING, DONE)) {
                return; // abandoned: nobody wants it, and a newer load may own the key
            }
            insert(this, block);
            loads.remove(key, this); // after the insert, so a get in between finds one or the other
            result.tryEmitValue(block);
        }

        @Override
        protected void hookOnError(Throwable error) {
            if (!state.compareAndSet(PENDING, DONE)) {
                return;
            }
            loadFailures.increment();
            loads.remove(key, this); // before the error, so a waiter retrying at once starts a new load
            result.tryEmitError(error);
        }

        @Override
        protected void hookOnComplete() {
            if (state.compareAndSet(PENDING, DONE)) { // completed without a block: the engine broke its contract
                loadFailures.increment();
                loads.remove(key, this);
                result.tryEmitError(new IllegalStateException("read of block " + key.blockNo() + " of "
                        + file.path() + " completed without a result"));
            }
        }
    }
}
