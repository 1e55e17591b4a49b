package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An {@link IoEngine} decorator that makes chosen operations fail the way a sick disk does: with EIO, with
 * ENOSPC, or (writes) with a short write. Each {@link Rule} names the operation kinds and paths it applies to and
 * which matching occurrences it hits (the nth, or each with a seeded probability). An injected error is an
 * {@link IoOperationException} naming the operation, the path, the offset and the errno, as a real one would be;
 * nothing reaches the kernel. A short write writes a prefix of the request and emits its length: a
 * {@link DirectFile#write} that breaks its contract, which callers must report (see {@link DirectFile#writeAll}).
 *
 * <p>Closing files and querying sizes are never faulted, so that a failure cannot leak a descriptor. Rules can
 * be added and removed while operations run.
 */
public final class FaultInjectingIoEngine implements IoEngine {
    /** The operation kinds a rule can target. */
    public enum Op {
        OPEN, READ, WRITE, FSYNC, RENAME, UNLINK, FALLOCATE, TRUNCATE
    }

    private final IoEngine delegate;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicLong injected = new AtomicLong();

    public FaultInjectingIoEngine(IoEngine delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Starts applying {@code rule}; returns it (its {@link Rule#fired()} counts its hits). */
    public Rule inject(Rule rule) {
        rules.add(Objects.requireNonNull(rule, "rule"));
        return rule;
    }

    /** Stops applying {@code rule}. */
    public void remove(Rule rule) {
        rules.remove(rule);
    }

    /** Stops applying every rule. */
    public void clear() {
        rules.clear();
    }

    /** Faults injected since creation, by all rules. */
    public long injected() {
        return injected.get();
    }

    /** What a rule does to an operation it hits. */
    public enum Fault {
        /** Fail with EIO (input/output error). */
        EIO(Errno.EIO),
        /** Fail with ENOSPC (no space left on device). */
        ENOSPC(Errno.ENOSPC),
        /** A write writes a prefix (half the request, rounded down to the alignment) and emits its length. */
        SHORT_WRITE(0);

        private final int errno;

        Fault(int errno) {
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * One injection rule: which operations, on which paths, which occurrences, and the fault. Built with
     * {@link #on}, then narrowed; by default it hits every matching operation.
     */
    public static final class Rule {
        private final Set<Op> ops;
        private final Fault fault;
        private Predicate<Path> paths = p -> true;
        private String pathDescription = "any path";
        private long nth;
        private double probability = 1.0;
        private Random random;
        private long maxHits = Long.MAX_VALUE;
        private final AtomicLong seen = new AtomicLong();
        private final AtomicLong fired = new AtomicLong();

        private Rule(Fault fault, Set<Op> ops) {
            this.fault = fault;
            this.ops = ops;
        }

        /** A rule injecting {@code fault} into the given operation kinds. */
        public static Rule on(Fault fault, Op first, Op... more) {
            Objects.requireNonNull(fault, "fault");
            Set<Op> s = EnumSet.of(first, more);
            if (fault == Fault.SHORT_WRITE && !s.equals(EnumSet.of(Op.WRITE))) {
                throw new IllegalArgumentException("a short write applies to WRITE only, not " + s);
            }
            return new Rule(fault, s);
        }

        /** Only paths matching the glob (as {@link java.nio.file.FileSystem#getPathMatcher}, "glob:" implied). */
        public Rule glob(String glob) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            this.paths = m::matches;
            this.pathDescription = "paths matching " + glob;
            return this;
        }

        /** Only paths accepted by {@code predicate}. */
        public Rule paths(Predicate<Path> predicate, String description) {
            this.paths = Objects.requireNonNull(predicate, "predicate");
            this.pathDescription = description;
            return this;
        }

        /** Only the {@code n}th matching operation (1-based), once. */
        public Rule nth(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("nth is 1-based, got " + n);
            }
            this.nth = n;
            this.maxHits = 1;
            return this;
        }

        /** Each matching operation with probability {@code p}, drawn from a generator seeded with {@code seed}. */
        public Rule probability(double p, long seed) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
            }
            this.probability = p;
            this.random = new Random(seed);
            return this;
        }

        /** At most {@code n} hits. */
        public Rule times(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("times must be >= 0, got " + n);
            }
            this.maxHits = n;
            return this;
        }

        /** Times this rule injected its fault. */
        public long fired() {
            return fired.get();
        }

        /** Matching operations seen (hit or not). */
        public long seen() {
            return seen.get();
        }

        public Fault fault() {
            return fault;
        }

        boolean hits(Op op, Path path) {
            if (!ops.contains(op) || path == null || !paths.test(path)) {
                return false;
            }
            long n = seen.incrementAndGet();
            if (nth > 0 && n != nth) {
                return false;
            }
            if (random != null) {
                synchronized (random) {
                    if (random.nextDouble() >= probability) {
                        return false;
                    }
                }
            }
            while (true) {
                long f = fired.get();
                if (f >= maxHits) {
                    return false;
                }
                if (fired.compareAndSet(f, f + 1)) {
                    return true;
                }
            }
        }

        @Override
        public String toString() {
            return fault + " on " + ops + " of " + pathDescription + (nth > 0 ? ", occurrence " + nth : "")
                    + (random != null ? ", probability " + probability : "");
        }
    }

    /** The first rule hitting this operation, or null. */
    private Rule match(Op op, Path path) {
        for (Rule r : rules) {
            if (r.hits(op, path)) {
                injected.incrementAndGet();
                return r;
            }
        }
        return null;
    }

    private static IoOperationException error(String operation, Path path, long offset, Rule r) {
        return new IoOperationException(operation, path, offset, r.fault().errno(),
                new IllegalStateException("injected by rule: " + r));
    }

    /** A Mono failing with the injected error if a rule hits, else {@code real}; decided on subscription. */
    private <T> Mono<T> guard(Op op, String operation, Path path, long offset, Mono<T> real) {
        return Mono.defer(() -> {
            Rule r = match(op, path);
            return r == null ? real : Mono.error(error(operation, path, offset, r));
        });
    }

    @Override
    public IoEngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String describe() {
        return "fault-injecting " + delegate.describe();
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        return guard(Op.OPEN, "open", path, -1, delegate.open(path, mode).map(File::new));
    }

    @Override
    public Mono<Void> rename(Path from, Path to) {
        return Mono.defer(() -> {
            Rule r = match(Op.RENAME, from);
            if (r == null) {
                r = match(Op.RENAME, to);
            }
            return r == null ? delegate.rename(from, to)
                    : Mono.error(error("rename to " + to, from, -1, r));
        });
    }

    @Override
    public Mono<Void> deleteIfExists(Path path) {
        return guard(Op.UNLINK, "unlink", path, -1, delegate.deleteIfExists(path));
    }

    @Override
    public Mono<Long> adviseHugePages(io.strata.io.buffer.AlignedBufferPool pool) {
        return delegate.adviseHugePages(pool); // memory advice, not a file operation: nothing to inject
    }

    @Override
    public Mono<Void> fsyncDirectory(Path dir) {
        return guard(Op.FSYNC, "fsync", dir, -1, delegate.fsyncDirectory(dir));
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class File implements DirectFile {
        private final DirectFile f;

        File(DirectFile f) {
            this.f = f;
        }

        @Override
        public Path path() {
            return f.path();
        }

        @Override
        public long id() {
            return f.id();
        }

        @Override
        public OpenMode mode() {
            return f.mode();
        }

        @Override
        public int alignment() {
            return f.alignment();
        }

        @Override
        public int readAlignment() {
            return f.readAlignment();
        }

        @Override
        public Mono<Integer> read(ReadOp op) {
            return guard(Op.READ, "read", f.path(), op.offset(), f.read(op));
        }

        @Override
        public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
            return Flux.defer(() -> {
                Rule r = ops.isEmpty() ? null : match(Op.READ, f.path());
                if (r == null) {
                    return f.readBatch(ops);
                }
                for (ReadOp op : ops) {
                    op.buffer().release(); // a subscribed batch's buffers are the engine's to release
                }
                return Flux.error(error("read", f.path(), ops.get(0).offset(), r));
            });
        }

        @Override
        public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
            return Mono.defer(() -> {
                Rule r = match(Op.WRITE, f.path());
                if (r == null) {
                    return f.write(offset, buffer, bufferOffset, length);
                }
                if (r.fault() != Fault.SHORT_WRITE) {
                    return Mono.error(error("write", f.path(), offset, r));
                }
                int prefix = (length / 2) / f.alignment() * f.alignment();
                return prefix == 0 ? Mono.just(0) : f.write(offset, buffer, bufferOffset, prefix);
            });
        }

        @Override
        public Mono<Void> fallocate(long offset, long length) {
            return guard(Op.FALLOCATE, "fallocate", f.path(), offset, f.fallocate(offset, length));
        }

        @Override
        public Mono<Void> truncate(long length) {
            return guard(Op.TRUNCATE, "truncate", f.path(), length, f.truncate(length));
        }

        @Override
        public Mono<Void> fsync() {
            return guard(Op.FSYNC, "fsync", f.path(), -1, f.fsync());
        }

        @Override
        public Mono<Long> size() {
            return f.size();
        }

        @Override
        public Mono<Void> close() {
            return f.close();
        }
    }
}
