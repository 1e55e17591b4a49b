package io.strata.io.file;

/**
 * Settings of the io layer.
 *
 * @param engine          which engine; {@link IoEngineKind#AUTO} picks io_uring when available. The system property
 *                        {@value #ENGINE_PROPERTY} overrides it.
 * @param rings           io_uring rings, each on its own event loop thread (default: one per core)
 * @param ringSize        submission queue entries per ring
 * @param maxInFlight     operations in the kernel per ring; more wait in a loop-local queue (at most 65536: the
 *                        16-bit completion data indexes the slot table). The completion queue is sized above it.
 * @param fileChannelThreads threads of the FileChannel engine's bounded pool (its queue depth)
 * @param alignment       O_DIRECT alignment of offsets, lengths and buffers: a power of two, at least 4096; set it
 *                        from {@link Alignment#forDirectory} of the data directory at startup, so that opening a
 *                        file never needs a file-system query
 * @param readAlignment   O_DIRECT alignment of a read's offset and length where the engine can read at finer grain
 *                        than {@code alignment}: the device's logical block size ({@link Alignment#readForDirectory}),
 *                        a power of two in [512, alignment]. An 8 KiB page behind a 4-byte blob header then costs a
 *                        9 KiB read, not 12 KiB. io_uring honours it; the FileChannel engine reads at
 *                        {@code alignment} (the JDK checks direct I/O against the file system's block size).
 *                        {@link #alignedFor} sets it unless {@value #FINE_READS_PROPERTY} is {@code false}.
 * @param pollMicros      io_uring poll mode: for this many microseconds after its last submission or completion, a
 *                        ring's loop with operations in flight keeps polling its completion queue instead of sleeping
 *                        in io_uring_enter; 0 (the default) sleeps at once. It trades CPU (the loop spins while the
 *                        disk works) for latency: a sleeping loop is woken for every burst of completions, which on a
 *                        virtual machine means an idle vCPU halted and kicked back. {@link #defaults} takes it from
 *                        {@value #POLL_PROPERTY}. The FileChannel engine ignores it.
 */
public record IoConfig(IoEngineKind engine, int rings, int ringSize, int maxInFlight, int fileChannelThreads,
                       int alignment, int readAlignment, int pollMicros) {
    public static final String ENGINE_PROPERTY = "strata.io.engine";
    /** Microseconds of io_uring poll mode in {@link #defaults} (see {@code pollMicros}); default 0, off. */
    public static final String POLL_PROPERTY = "strata.io.uring.pollMicros";
    /** The longest poll allowed: a second of spinning without a completion is a stuck device, not latency. */
    public static final int MAX_POLL_MICROS = 1_000_000;
    /** {@code false} keeps reads at the whole alignment in {@link #alignedFor} (default true: the device's grain). */
    public static final String FINE_READS_PROPERTY = "strata.io.fineReads";

    public IoConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine is null");
        }
        if (rings < 1) {
            throw new IllegalArgumentException("rings must be >= 1, got " + rings);
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1 || ringSize > 32768) {
            throw new IllegalArgumentException("ringSize must be a power of two in [2, 32768], got " + ringSize);
        }
        if (maxInFlight < 1 || maxInFlight > 65536) {
            throw new IllegalArgumentException("maxInFlight must be in [1, 65536], got " + maxInFlight);
        }
        if (fileChannelThreads < 1) {
            throw new IllegalArgumentException("fileChannelThreads must be >= 1, got " + fileChannelThreads);
        }
        if (alignment < Alignment.MIN || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two >= " + Alignment.MIN + ", got "
                    + alignment);
        }
        if (readAlignment < Alignment.SECTOR || readAlignment > alignment || Integer.bitCount(readAlignment) != 1) {
            throw new IllegalArgumentException("readAlignment must be a power of two in [" + Alignment.SECTOR + ", "
                    + alignment + "], got " + readAlignment);
        }
        if (pollMicros < 0 || pollMicros > MAX_POLL_MICROS) {
            throw new IllegalArgumentException("pollMicros must be in [0, " + MAX_POLL_MICROS + "], got " + pollMicros);
        }
    }

    /** As the canonical constructor, without poll mode. */
    public IoConfig(IoEngineKind engine, int rings, int ringSize, int maxInFlight, int fileChannelThreads,
                    int alignment, int readAlignment) {
        this(engine, rings, ringSize, maxInFlight, fileChannelThreads, alignment, readAlignment, 0);
    }

    /** As the canonical constructor, reads aligned like writes. */
    public IoConfig(IoEngineKind engine, int rings, int ringSize, int maxInFlight, int fileChannelThreads,
                    int alignment) {
        this(engine, rings, ringSize, maxInFlight, fileChannelThreads, alignment, alignment);
    }

    public static IoConfig defaults() {
        return new IoConfig(IoEngineKind.AUTO, Runtime.getRuntime().availableProcessors(), 4096, 4096, 128,
                Alignment.MIN, Alignment.MIN, Integer.getInteger(POLL_PROPERTY, 0));
    }

    public IoConfig withEngine(IoEngineKind kind) {
        return new IoConfig(kind, rings, ringSize, maxInFlight, fileChannelThreads, alignment, readAlignment,
                pollMicros);
    }

    public IoConfig withRings(int n) {
        return new IoConfig(engine, n, ringSize, maxInFlight, fileChannelThreads, alignment, readAlignment,
                pollMicros);
    }

    public IoConfig withMaxInFlight(int n) {
        return new IoConfig(engine, rings, ringSize, n, fileChannelThreads, alignment, readAlignment, pollMicros);
    }

    public IoConfig withFileChannelThreads(int n) {
        return new IoConfig(engine, rings, ringSize, maxInFlight, n, alignment, readAlignment, pollMicros);
    }

    /** With another alignment; the read alignment stays, at most {@code n}. */
    public IoConfig withAlignment(int n) {
        return new IoConfig(engine, rings, ringSize, maxInFlight, fileChannelThreads, n, Math.min(readAlignment, n),
                pollMicros);
    }

    public IoConfig withReadAlignment(int n) {
        return new IoConfig(engine, rings, ringSize, maxInFlight, fileChannelThreads, alignment, n, pollMicros);
    }

    public IoConfig withPollMicros(int micros) {
        return new IoConfig(engine, rings, ringSize, maxInFlight, fileChannelThreads, alignment, readAlignment, micros);
    }

    /**
     * Aligned for the data directory {@code dir}: the alignment at least the file system's block size, the read
     * alignment the device's logical block size when it is finer (blocking: reads the file system and sysfs).
     */
    public IoConfig alignedFor(java.nio.file.Path dir) {
        IoConfig c = withAlignment(Math.max(alignment, Alignment.forDirectory(dir)));
        if (!Boolean.parseBoolean(System.getProperty(FINE_READS_PROPERTY, "true"))) {
            return c.withReadAlignment(c.alignment());
        }
        return c.withReadAlignment(Math.min(c.alignment(), Alignment.readForDirectory(dir)));
    }

    /** The defaults, aligned for the file system holding {@code dataDir}. */
    public static IoConfig forDataDirectory(java.nio.file.Path dataDir) {
        return defaults().alignedFor(dataDir);
    }

    /** The engine asked for: the system property when set, else this config's. */
    public IoEngineKind requestedEngine() {
        String p = System.getProperty(ENGINE_PROPERTY);
        return p == null || p.isBlank() ? engine : IoEngineKind.parse(p);
    }
}
