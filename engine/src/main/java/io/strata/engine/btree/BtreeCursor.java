package io.strata.engine.btree;

import static io.strata.engine.btree.BtreeFormat.PAGE_SIZE;

import java.util.ArrayDeque;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The scan state of FORMAT 7.3 as an explicit machine: one frame per tree level (root first) holding that
 * level's current node and the next entry to visit. {@link #advance()} moves synchronously through
 * pages already held; when it needs a page it says so and {@link #load()} fetches it. A page is copied (one per
 * level per cursor) only when the reader's buffers do not {@linkplain BlockReader#buffersStayValid() stay valid};
 * the block cache's do, so a point lookup through it copies nothing.
 *
 * <p><b>Read-ahead.</b> A cursor made with {@code readAheadLeaves > 0} starts reading the next leaves of the
 * current bottom internal node (its children, whose block numbers it already holds) each time a leaf of it lands,
 * keeping up to that many leaf reads in flight or landed ahead of the scan. A sequential scan then waits
 * for a leaf only when it outruns them, instead of once per leaf behind whatever else is queued at the disk. Held
 * leaves are only references to the reader's blocks, so read-ahead needs a reader whose buffers
 * {@linkplain BlockReader#buffersStayValid() stay valid} and is off otherwise. A read ahead that fails is reported
 * only if the scan reaches its leaf, so errors surface where they did without read-ahead. {@link #close()} cancels
 * what is still in flight.
 *
 * <p>Not thread-safe: the owner serializes {@code advance} and {@code load}. {@link #close()} may run on another
 * thread while a load is landing (a cancel): the read-ahead state is guarded by its own monitor, and nothing is read
 * ahead after a close.
 */
final class BtreeCursor {
    static final int READY = 0;
    static final int NEED_LOAD = 1;
    static final int END = 2;

    private static final int MAX_DEPTH = 256; // levels are u8 and fall by one per step

    private final BlockReader reader;
    private final long startBlock;
    private final long rootBlock;
    private final int keyLen;
    private final boolean forwards;
    private final byte[] searchKey;
    private final BtreeEntry entry;
    private Frame[] frames = new Frame[0];
    /** Index of the deepest loaded frame; -1 before the root is loaded and after the scan ends. */
    private int top = -1;
    private long pendingBlock;
    private boolean pendingSearch;
    private boolean pending;

    /** Leaves to keep read ahead of the scan; 0 when off. */
    private final int readAheadLeaves;
    /** Leaf reads started ahead, in visiting order: children of {@link #aheadParent}. */
    private final ArrayDeque<AheadRead> ahead = new ArrayDeque<>();
    /** The internal node (absolute block) whose children {@link #ahead} holds; -1 for none. */
    private long aheadParent = -1;
    /** The index, in {@link #aheadParent}, of the next child to read ahead. */
    private int aheadNext;
    /** Set by {@link #close()}: no more reads ahead. Guarded, like the fields above, by {@link #ahead}. */
    private boolean closed;

    BtreeCursor(BlockReader reader, long startBlock, long rootBlock, int keyLen, VisitDirection dir, byte[] searchKey) {
        this(reader, startBlock, rootBlock, keyLen, dir, searchKey, 0);
    }

    /** @param readAheadLeaves leaves to read ahead (see the class comment); ignored unless buffers stay valid */
    BtreeCursor(BlockReader reader, long startBlock, long rootBlock, int keyLen, VisitDirection dir, byte[] searchKey,
                int readAheadLeaves) {
        if (readAheadLeaves < 0) {
            throw new IllegalArgumentException("readAheadLeaves must not be negative, got " + readAheadLeaves);
        }
        this.reader = reader;
        this.startBlock = startBlock;
        this.rootBlock = rootBlock;
        this.keyLen = keyLen;
        this.forwards = dir == VisitDirection.FORWARDS;
        this.searchKey = searchKey;
        this.entry = new BtreeEntry(keyLen);
        this.pendingBlock = rootBlock;
        this.pendingSearch = true;
        this.pending = true;
        this.readAheadLeaves = reader.buffersStayValid() ? readAheadLeaves : 0;
    }

    /** The flyweight showing the entry of the last {@code READY}. */
    BtreeEntry entry() {
        return entry;
    }

    /**
     * Steps to the next entry: READY (see {@link #entry()}), NEED_LOAD (call {@link #load()} first) or END.
     */
    int advance() {
        if (pending) {
            return NEED_LOAD;
        }
        while (top >= 0) {
            Frame f = frames[top];
            if (f.next < f.end && f.next >= 0) {
                int i = forwards ? f.next++ : f.next--;
                if (f.node.isLeaf()) {
                    entry.set(f.node, i);
                    return READY;
                }
                pendingBlock = f.node.child(i, rootBlock);
                pendingSearch = f.searchPath; // only the first child taken from a search-path node is on it
                f.searchPath = false;
                pending = true;
                return NEED_LOAD;
            }
            top--;
        }
        return END;
    }

    /**
     * True when entries may remain. Below the search path every child holds at least one entry
     * (num_children is validated), so any frame with entries left, or a pending page, means more to come.
     */
    boolean hasMore() {
        if (pending) {
            return true;
        }
        for (int d = top; d >= 0; d--) {
            Frame f = frames[d];
            if (f.next < f.end && f.next >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Reads the pending page into the next frame and positions it; completes empty when done. */
    Mono<Void> load() {
        long abs = startBlock + pendingBlock;
        return takeAhead(abs)
                .switchIfEmpty(Mono.error(() -> new BtreeCorruptionException(abs, "the block reader returned no block")))
                .doOnNext(buf -> install(buf, abs))
                .then();
    }

    /** Installs the pending page if the reader has it without waiting; false if it would have to be loaded. */
    boolean loadIfReady() {
        long abs = startBlock + pendingBlock;
        DirectBuffer buf = reader.readIfReady(abs);
        if (buf == null) {
            return false;
        }
        install(buf, abs);
        return true;
    }

    private void install(DirectBuffer src, long abs) {
        int depth = top + 1;
        int expectedLevel = depth == 0 ? NodeView.ANY_LEVEL : frames[top].node.level - 1;
        if (depth >= MAX_DEPTH) {
            throw new BtreeCorruptionException(abs, "tree deeper than " + MAX_DEPTH + " levels");
        }
        if (src.capacity() < PAGE_SIZE) {
            throw new BtreeCorruptionException(abs, "block buffer has " + src.capacity() + " bytes, expected "
                    + PAGE_SIZE);
        }
        Frame f = frame(depth);
        DirectBuffer page = src;
        if (!reader.buffersStayValid()) {
            if (f.copy == null) {
                f.copy = new UnsafeBuffer(new byte[PAGE_SIZE]);
            }
            src.getBytes(0, f.copy, 0, PAGE_SIZE);
            page = f.copy;
        }
        NodeView node = f.node.decode(page, abs, keyLen, expectedLevel);
        position(f, node);
        top = depth;
        pending = false;
        if (readAheadLeaves > 0 && depth > 0 && frames[depth - 1].node.level == 1) {
            readAhead(frames[depth - 1]); // after the leaf the scan waited for, so that one is never queued behind
        }
    }

    /**
     * Tops up the leaves read ahead of the one just installed below bottom internal node {@code f}: its next
     * siblings in scan order, up to {@link #readAheadLeaves} in all. A new parent drops what was read ahead for the
     * old one (a scan that left it early).
     */
    private void readAhead(Frame f) {
        long parent = f.node.block();
        int step = forwards ? 1 : -1;
        synchronized (ahead) {
            if (closed) {
                return;
            }
            if (parent != aheadParent) {
                cancelAhead();
                aheadParent = parent;
                aheadNext = f.next; // advance() already moved f.next past the child just loaded
            }
            while (ahead.size() < readAheadLeaves && aheadNext >= 0 && aheadNext < f.end) {
                long child;
                try {
                    child = f.node.child(aheadNext, rootBlock);
                } catch (BtreeCorruptionException e) {
                    aheadNext = -1; // the scan reports it when it gets there
                    return;
                }
                aheadNext += step;
                ahead.addLast(AheadRead.start(reader, startBlock + child));
            }
        }
    }

    /** The read of {@code abs}: the one started ahead if it is next in line, else a new one. */
    private Mono<DirectBuffer> takeAhead(long abs) {
        if (readAheadLeaves > 0) {
            synchronized (ahead) {
                AheadRead next = ahead.peekFirst();
                if (next != null) {
                    if (next.block == abs) {
                        ahead.pollFirst();
                        return next.result.asMono();
                    }
                    cancelAhead(); // the scan went elsewhere; nothing read ahead is in its way any more
                }
            }
        }
        return reader.read(abs);
    }

    /** Holding {@link #ahead}'s monitor. */
    private void cancelAhead() {
        AheadRead r;
        while ((r = ahead.pollFirst()) != null) {
            r.subscription.dispose();
        }
        aheadParent = -1;
    }

    /** Cancels the reads started ahead; the cursor must not be used afterwards. Idempotent. */
    void close() {
        synchronized (ahead) {
            closed = true;
            cancelAhead();
        }
    }

    /** A leaf read started ahead of the scan, its outcome kept until the scan takes it. */
    private record AheadRead(long block, Sinks.One<DirectBuffer> result, Disposable subscription) {
        static AheadRead start(BlockReader reader, long abs) {
            Sinks.One<DirectBuffer> result = Sinks.one();
            Disposable subscription = reader.read(abs).subscribe(result::tryEmitValue, result::tryEmitError,
                    result::tryEmitEmpty);
            return new AheadRead(abs, result, subscription);
        }
    }

    private Frame frame(int depth) {
        if (depth >= frames.length) {
            Frame[] grown = new Frame[Math.max(depth + 1, Math.min(MAX_DEPTH, frames.length * 2 + 2))];
            System.arraycopy(frames, 0, grown, 0, frames.length);
            frames = grown;
        }
        if (frames[depth] == null) {
            frames[depth] = new Frame();
        }
        return frames[depth];
    }

    /** FORMAT 7.3 step 3 for nodes on the search path; the edge of the node for later siblings. */
    private void position(Frame f, NodeView node) {
        int n = node.count;
        f.searchPath = pendingSearch;
        if (!pendingSearch) {
            f.next = forwards ? 0 : n - 1;
            f.end = n;
            return;
        }
        int r = node.search(searchKey);
        int idx;
        if (r >= 0) {
            idx = r;
        } else {
            int insertion = -r - 1; // first key greater than the search key
            if (forwards) {
                idx = node.isLeaf() ? insertion : Math.max(insertion - 1, 0);
            } else {
                idx = insertion - 1; // -1: nothing here is <= the key, the frame starts exhausted
            }
        }
        f.next = idx;
        f.end = n;
    }

    /** One level: its page (or a private copy), its decoded view, and the next entry index (-1 or end: exhausted). */
    private static final class Frame {
        /** This level's page copy, when the block reader's buffers do not stay valid. */
        UnsafeBuffer copy;
        final NodeView node = new NodeView();
        int next;
        int end;
        /** Positioned by binary search and no child taken yet: the next child must be searched too. */
        boolean searchPath;
    }
}
