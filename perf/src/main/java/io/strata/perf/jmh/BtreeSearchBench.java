package io.strata.perf.jmh;

import io.strata.engine.btree.BlockReader;
import io.strata.engine.btree.DiskBtreeBuilder;
import io.strata.engine.btree.BuiltTree;
import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import reactor.core.publisher.Mono;

/**
 * A point lookup in an image layer's B-tree index ({@link DiskBtreeReader#get}) whose nodes are all cached, as the
 * read path does once the block cache holds the index: node decoding and binary search, no I/O.
 */
@State(Scope.Thread)
public class BtreeSearchBench {
    private static final int QUERIES = 4096;

    @Param({"1000000"})
    int entries;

    private DiskBtreeReader tree;
    private byte[][] queries;
    private int next;
    private final LongSink sink = new LongSink();

    @Setup
    public void build() {
        List<DirectBuffer> blocks = new ArrayList<>();
        DiskBtreeBuilder builder = new DiskBtreeBuilder(Key.KEY_SIZE, b -> blocks.add(copy(b)));
        for (int i = 0; i < entries; i++) {
            builder.append(key(i), 8192L * (i + 1));
        }
        BuiltTree built = builder.finish();
        tree = new DiskBtreeReader(new CachedBlocks(blocks), 0, built.rootBlock(), Key.KEY_SIZE);
        SplittableRandom random = new SplittableRandom(7);
        queries = new byte[QUERIES][];
        for (int i = 0; i < QUERIES; i++) {
            queries[i] = key(random.nextInt(entries));
        }
    }

    private static byte[] key(int i) {
        byte[] k = new byte[Key.KEY_SIZE];
        new Key(0, 1663, 16384, 24576, 0, i).writeTo(k, 0);
        return k;
    }

    private static DirectBuffer copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new UnsafeBuffer(a);
    }

    @Benchmark
    public long get() {
        byte[] q = queries[next];
        next = (next + 1) & (QUERIES - 1);
        sink.value = -1;
        tree.get(q).subscribe(sink);
        if (sink.value < 0) {
            throw new IllegalStateException("key not found or not synchronous: " + Key.fromBytes(q));
        }
        return sink.value;
    }

    /** Receives the synchronous result without Reactor's blocking machinery. */
    static final class LongSink implements Consumer<Long> {
        long value;

        @Override
        public void accept(Long v) {
            value = v;
        }
    }

    /** Every block in memory, as the block cache serves them: stable buffers, ready without waiting. */
    private record CachedBlocks(List<DirectBuffer> blocks) implements BlockReader {
        @Override
        public Mono<DirectBuffer> read(long blockNo) {
            return Mono.just(blocks.get((int) blockNo));
        }

        @Override
        public boolean buffersStayValid() {
            return true;
        }

        @Override
        public DirectBuffer readIfReady(long blockNo) {
            return blocks.get((int) blockNo);
        }
    }
}
