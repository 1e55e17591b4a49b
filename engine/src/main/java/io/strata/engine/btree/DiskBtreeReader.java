package io.strata.engine.btree;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a disk B-tree (FORMAT 7.3) through a {@link BlockReader}. Immutable and thread-safe: each lookup or scan
 * keeps its own state. All results are lazy; nothing is read before subscription.
 *
 * <p>A corrupt node fails the lookup or scan with {@link BtreeCorruptionException} naming the block. Because a
 * child must sit one level below its parent and before the root, every descent ends within 256 reads: a damaged
 * pointer cannot cause a loop or unbounded memory use.
 */
public final class DiskBtreeReader {
    /**
     * Leaves a sequential scan keeps read ahead: 16 blocks, 128 KiB. A leaf holds a few hundred entries; with 8 KiB
     * values that is megabytes of values, with 100-byte values tens of kilobytes, which a scan consumes in well
     * under a millisecond, so it takes a deep queue to hide a leaf read stuck behind the value reads at the disk.
     */
    public static final int SEQUENTIAL_READ_AHEAD = 16;

    private final BlockReader reader;
    private final long startBlock;
    private final long rootBlock;
    private final int keyLen;

    /**
     * @param startBlock absolute file block of the first index block ({@code index_start_blk})
     * @param rootBlock  the root's block relative to {@code startBlock} ({@code index_root_blk})
     * @param keyLen     bytes per key (18 image, 26 delta)
     */
    public DiskBtreeReader(BlockReader reader, long startBlock, long rootBlock, int keyLen) {
        BtreeFormat.checkKeyLen(keyLen);
        if (startBlock < 0 || rootBlock < 0 || rootBlock > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("bad index position: start block " + startBlock + ", root block "
                    + rootBlock);
        }
        this.reader = Objects.requireNonNull(reader, "reader");
        this.startBlock = startBlock;
        this.rootBlock = rootBlock;
        this.keyLen = keyLen;
    }

    public int keyLen() {
        return keyLen;
    }

    /**
     * The value stored under {@code key}, or empty. Reads one node per level, decoding each inside the block
     * reader's callback (no page copies).
     */
    public Mono<Long> get(byte[] key) {
        BtreeFormat.checkKey(key, keyLen);
        byte[] k = key.clone();
        return Mono.defer(() -> descend(rootBlock, NodeView.ANY_LEVEL, k));
    }

    private Mono<Long> descend(long relBlock, int expectedLevel, byte[] key) {
        long abs = startBlock + relBlock;
        return reader.read(abs)
                .switchIfEmpty(Mono.error(() -> new BtreeCorruptionException(abs, "the block reader returned no block")))
                .flatMap(buf -> {
                    NodeView node = new NodeView().decode(buf, abs, keyLen, expectedLevel);
                    int r = node.search(key);
                    if (node.isLeaf()) {
                        return r >= 0 ? Mono.just(node.rawValue(r)) : Mono.<Long>empty();
                    }
                    int i = r >= 0 ? r : Math.max(-r - 2, 0); // the last child whose first key is <= key
                    return descend(node.child(i, rootBlock), node.level - 1, key);
                });
    }

    /**
     * Entries with key {@code >= from} ascending ({@code FORWARDS}) or {@code <= from} descending
     * ({@code BACKWARDS}). Honours backpressure: pages are read only as demand needs them. Emits one re-used
     * {@link BtreeEntry} flyweight; see its validity rules.
     */
    public Flux<BtreeEntry> scan(byte[] from, VisitDirection dir) {
        return scan(from, dir, 0);
    }

    /**
     * {@link #scan} for a scan that will go far (a whole-layer iterator): besides the leaf it needs, it keeps up to
     * {@code readAheadLeaves} of the following leaves read or being read, so it rarely waits for one. That many leaf
     * blocks more may be read than demand needs (and they are cancelled if the scan ends first). No read-ahead when
     * the block reader's buffers do not {@linkplain BlockReader#buffersStayValid() stay valid}.
     */
    public Flux<BtreeEntry> scan(byte[] from, VisitDirection dir, int readAheadLeaves) {
        BtreeFormat.checkKey(from, keyLen);
        if (readAheadLeaves < 0) {
            throw new IllegalArgumentException("readAheadLeaves must not be negative, got " + readAheadLeaves);
        }
        return new BtreeScan(reader, startBlock, rootBlock, keyLen, Objects.requireNonNull(dir, "dir"), from.clone(),
                readAheadLeaves);
    }

    /**
     * A forward scan from {@code from} with {@value #SEQUENTIAL_READ_AHEAD} leaves of read-ahead: what the
     * whole-layer streams (iterators, {@code loadKeys}) use.
     */
    public Flux<BtreeEntry> forwardSequential(byte[] from) {
        return scan(from, VisitDirection.FORWARDS, SEQUENTIAL_READ_AHEAD);
    }

    /** {@link #scan} forwards: keys {@code >= from}, ascending. */
    public Flux<BtreeEntry> forward(byte[] from) {
        return scan(from, VisitDirection.FORWARDS);
    }

    /** {@link #scan} backwards: keys {@code <= from}, descending. */
    public Flux<BtreeEntry> backward(byte[] from) {
        return scan(from, VisitDirection.BACKWARDS);
    }

    /** Like {@link #scan} but emitting owned copies, safe to buffer or hand to other threads. */
    public Flux<BtreeKeyValue> scanCopies(byte[] from, VisitDirection dir) {
        return scan(from, dir).map(BtreeEntry::copy);
    }

    /** What {@link #visitIfReady} did. */
    public enum ReadyVisit {
        /** The visitor saw every entry to the end of the tree, or stopped the visit. */
        DONE,
        /** A node was not available without waiting; the visitor may have seen some entries. */
        NOT_READY
    }

    /**
     * Neon's {@code visit}, synchronously, as long as every node is available without waiting (all cached): the
     * fast path of point lookups. Returns {@link ReadyVisit#NOT_READY} as soon as a node would have to be read;
     * the caller then discards what the visitor gathered and uses {@link #visit} or {@link #scan}.
     */
    public ReadyVisit visitIfReady(byte[] from, VisitDirection dir, BtreeVisitor visitor) {
        BtreeFormat.checkKey(from, keyLen);
        Objects.requireNonNull(visitor, "visitor");
        BtreeCursor cursor = new BtreeCursor(reader, startBlock, rootBlock, keyLen, Objects.requireNonNull(dir, "dir"),
                from);
        while (true) {
            switch (cursor.advance()) {
                case BtreeCursor.READY -> {
                    if (!visitor.visit(cursor.entry())) {
                        return ReadyVisit.DONE;
                    }
                }
                case BtreeCursor.NEED_LOAD -> {
                    if (!cursor.loadIfReady()) {
                        return ReadyVisit.NOT_READY;
                    }
                }
                default -> {
                    return ReadyVisit.DONE;
                }
            }
        }
    }

    /**
     * Neon's {@code visit}: calls {@code visitor} for each entry in scan order until it returns false. Emits true
     * if the scan ran to the end, false if the visitor stopped it.
     */
    public Mono<Boolean> visit(byte[] from, VisitDirection dir, BtreeVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        Flux<BtreeEntry> entries = scan(from, dir);
        return Mono.defer(() -> {
            AtomicBoolean stopped = new AtomicBoolean();
            return entries.takeWhile(e -> {
                boolean more = visitor.visit(e);
                if (!more) {
                    stopped.set(true);
                }
                return more;
            }).then(Mono.fromSupplier(() -> !stopped.get()));
        });
    }
}
