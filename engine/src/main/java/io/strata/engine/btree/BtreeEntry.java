package io.strata.engine.btree;

/**
 * One (key, value) pair of a scan, as a flyweight over the node page: no per-entry allocation.
 *
 * <p><b>Validity.</b> A scan re-uses one instance and re-points it at each element. An entry is valid only
 * until the consumer returns from the call that delivered it ({@code onNext}, a {@link BtreeVisitor} call, a
 * {@code map} function): after that it may show another entry or a reused page. Operators that hold elements
 * (publishOn, buffer, collectList, concatMap prefetch, ...) must therefore come after a copying step such as
 * {@code map(BtreeEntry::copy)}, or use {@link DiskBtreeReader#scanCopies}.
 */
public final class BtreeEntry {
    private NodeView node;
    private int index;
    private final int keyLen;

    BtreeEntry(int keyLen) {
        this.keyLen = keyLen;
    }

    void set(NodeView node, int index) {
        this.node = node;
        this.index = index;
    }

    public int keyLength() {
        return keyLen;
    }

    /** The leaf value (a blob offset or BlobRef for layers), 0 .. {@link BtreeFormat#MAX_VALUE}. */
    public long value() {
        return node.rawValue(index);
    }

    /** Copies the key into {@code dst} at {@code offset}; {@code dst} needs {@link #keyLength()} bytes there. */
    public void copyKey(byte[] dst, int offset) {
        node.copyKey(index, dst, offset);
    }

    /** Copies the key into the start of {@code dst} and returns {@code dst}. */
    public byte[] key(byte[] dst) {
        node.copyKey(index, dst, 0);
        return dst;
    }

    /** A freshly allocated copy of the key. */
    public byte[] key() {
        return key(new byte[keyLen]);
    }

    public byte keyByte(int pos) {
        if (pos < 0 || pos >= keyLen) {
            throw new IndexOutOfBoundsException("key byte " + pos + " of a " + keyLen + "-byte key");
        }
        return node.keyByte(index, pos);
    }

    /** Unsigned lexicographic comparison of this key with {@code other} (which must have {@link #keyLength()} bytes). */
    public int compareKeyTo(byte[] other) {
        BtreeFormat.checkKey(other, keyLen);
        return Integer.signum(node.compareKey(index, other));
    }

    public boolean keyEquals(byte[] other) {
        return compareKeyTo(other) == 0;
    }

    /** An owned copy, valid forever. */
    public BtreeKeyValue copy() {
        return new BtreeKeyValue(key(), value());
    }

    @Override
    public String toString() {
        return node == null ? "BtreeEntry{unset}" : BtreeFormat.hex(key()) + "=" + value();
    }
}
