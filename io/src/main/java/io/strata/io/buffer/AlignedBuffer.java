package io.strata.io.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A direct buffer whose address is aligned for O_DIRECT I/O.
 *
 * <p>Ownership is explicit: whoever leased the buffer from a pool (or allocated it) owns it and calls
 * {@link #release()} exactly once. While an I/O operation uses the buffer the kernel writes into it; the
 * buffer is then marked in flight, and a second operation on it is refused. If the subscriber of an I/O
 * operation cancels, ownership passes to the engine, which releases the buffer once the kernel is done.
 */
public final class AlignedBuffer {
    private static final VarHandle STATE;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(AlignedBuffer.class, "state", int.class);
            IN_FLIGHT = l.findVarHandle(AlignedBuffer.class, "inFlight", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final int FREE = 0;
    static final int LEASED = 1;

    private final ByteBuffer buffer;
    private final UnsafeBuffer view;
    private final long address;
    private final int alignment;
    private final AlignedBufferPool pool;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    @SuppressWarnings("unused") // accessed through IN_FLIGHT
    private volatile boolean inFlight;

    AlignedBuffer(ByteBuffer alignedSlice, int alignment, AlignedBufferPool pool) {
        this.buffer = alignedSlice;
        this.view = new UnsafeBuffer(alignedSlice);
        this.address = BufferUtil.address(alignedSlice);
        this.alignment = alignment;
        this.pool = pool;
        if ((address & (alignment - 1)) != 0) {
            throw new IllegalStateException("buffer at 0x" + Long.toHexString(address) + " is not aligned to " + alignment);
        }
    }

    /** An aligned buffer owned by the caller and reclaimed by the garbage collector; release() is still required. */
    public static AlignedBuffer allocate(int capacity, int alignment) {
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        // Not alignedSlice(): it also rounds the end down, losing capacity when it is not a multiple of alignment.
        ByteBuffer raw = ByteBuffer.allocateDirect(capacity + alignment);
        int skew = (int) ((alignment - (BufferUtil.address(raw) & (alignment - 1))) & (alignment - 1));
        ByteBuffer slice = raw.position(skew).limit(skew + capacity).slice();
        AlignedBuffer b = new AlignedBuffer(slice, alignment, null);
        b.state = LEASED;
        BufferAccounting.leased(b);
        return b;
    }

    /** The whole buffer as a ByteBuffer (position 0, limit = capacity on lease). Callers may move position and limit. */
    public ByteBuffer byteBuffer() {
        return buffer;
    }

    /** An Agrona view for absolute, bounds-checked access without allocating. */
    public UnsafeBuffer view() {
        return view;
    }

    public long address() {
        return address;
    }

    public int capacity() {
        return buffer.capacity();
    }

    public int alignment() {
        return alignment;
    }

    public boolean isPooled() {
        return pool != null;
    }

    /** Returns the buffer to its pool. Exactly once per lease; a second release is a bug and throws. */
    public void release() {
        if (!STATE.compareAndSet(this, LEASED, FREE)) {
            throw new IllegalStateException("buffer released twice (or never leased): " + this);
        }
        BufferAccounting.released(this);
        if (isInFlight()) {
            throw new IllegalStateException("buffer released while an I/O operation still uses it: " + this);
        }
        if (pool != null) {
            pool.giveBack(this);
        }
    }

    /** Pool-internal: undo a lease that was never handed to anyone. */
    void release0ForPool() {
        STATE.setVolatile(this, FREE);
        BufferAccounting.released(this);
    }

    boolean markLeased() {
        buffer.clear();
        if (!STATE.compareAndSet(this, FREE, LEASED)) {
            return false;
        }
        BufferAccounting.leased(this);
        return true;
    }

    public boolean isLeased() {
        return (int) STATE.getVolatile(this) == LEASED;
    }

    /**
     * Called by an engine when it hands the buffer to the kernel. Refuses a buffer already in use. The error
     * names "{@code operation} on {@code target}"; both are joined only on failure (this runs once per I/O).
     */
    public void beginIo(String operation, Object target) {
        if (!isLeased()) {
            throw new IllegalStateException(operation + " on " + target + " with a buffer that is not leased: " + this);
        }
        if (!IN_FLIGHT.compareAndSet(this, false, true)) {
            throw new IllegalStateException(operation + " on " + target
                    + " with a buffer that another I/O operation still uses: " + this);
        }
    }

    /** Called by an engine when the kernel no longer touches the buffer. */
    public void endIo() {
        IN_FLIGHT.setVolatile(this, false);
    }

    public boolean isInFlight() {
        return (boolean) IN_FLIGHT.getVolatile(this);
    }

    @Override
    public String toString() {
        return "AlignedBuffer{address=0x" + Long.toHexString(address) + ", capacity=" + capacity()
                + ", pooled=" + isPooled() + '}';
    }
}
