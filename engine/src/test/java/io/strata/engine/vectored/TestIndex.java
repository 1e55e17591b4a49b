package io.strata.engine.vectored;

import io.strata.engine.btree.BuiltTree;
import io.strata.engine.btree.DiskBtreeBuilder;
import io.strata.engine.btree.DiskBtreeReader;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/** A disk B-tree built in memory and placed at {@code indexStartBlk} of an imaginary layer file. */
final class TestIndex {
    private final List<byte[]> blocks = new ArrayList<>();
    private final DiskBtreeBuilder builder;

    TestIndex(int keyLen) {
        builder = new DiskBtreeBuilder(keyLen, b -> {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            blocks.add(copy);
        });
    }

    TestIndex add(byte[] key, long value) {
        builder.append(key, value);
        return this;
    }

    DiskBtreeReader finish(long indexStartBlk) {
        BuiltTree tree = builder.finish();
        return new DiskBtreeReader(blockNo -> Mono.fromCallable(() -> {
            long rel = blockNo - indexStartBlk;
            if (rel < 0 || rel >= blocks.size()) {
                throw new IllegalArgumentException("block " + blockNo + " is not an index block");
            }
            return (DirectBuffer) new UnsafeBuffer(blocks.get((int) rel));
        }), indexStartBlk, tree.rootBlock(), builder.keyLen());
    }

    static byte[] deltaKey(io.strata.engine.key.Key key, long lsn) {
        return IndexPlanning.deltaKey(key, lsn);
    }

}
