package io.strata.io.buffer;

/** A range of native memory: {@code length} bytes from {@code address}. */
public record MemoryRegion(long address, long length) {
    public MemoryRegion {
        if (address == 0 || length <= 0) {
            throw new IllegalArgumentException("bad memory region at 0x" + Long.toHexString(address) + " of "
                    + length + " bytes");
        }
    }
}
