package io.strata.engine.btree;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helper: builds a tree and lays it out as a layer file would, the index starting at {@code startBlock}. */
record TreeImage(List<ByteBuffer> blocks, BuiltTree tree, long startBlock, byte[] file) {

    static TreeImage build(int keyLen, long startBlock, Iterable<Map.Entry<byte[], Long>> entries) {
        List<ByteBuffer> blocks = new ArrayList<>();
        DiskBtreeBuilder b = new DiskBtreeBuilder(keyLen, blocks::add);
        for (Map.Entry<byte[], Long> e : entries) {
            b.append(e.getKey(), e.getValue());
        }
        BuiltTree tree = b.finish();
        byte[] file = new byte[(int) ((startBlock + blocks.size()) * BtreeFormat.PAGE_SIZE)];
        for (int i = 0; i < blocks.size(); i++) {
            ByteBuffer page = blocks.get(i).duplicate();
            page.get(file, (int) ((startBlock + i) * BtreeFormat.PAGE_SIZE), BtreeFormat.PAGE_SIZE);
        }
        return new TreeImage(blocks, tree, startBlock, file);
    }

    MemoryBlockReader memoryReader() {
        return new MemoryBlockReader(file);
    }

    DiskBtreeReader reader(BlockReader r, int keyLen) {
        return new DiskBtreeReader(r, startBlock, tree.rootBlock(), keyLen);
    }

    /** Index block {@code i} (relative) as bytes. */
    byte[] block(int i) {
        byte[] out = new byte[BtreeFormat.PAGE_SIZE];
        blocks.get(i).duplicate().get(out);
        return out;
    }
}
