package io.strata.engine.check;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.gc.CompactFlags;
import io.strata.engine.compaction.gc.CompactKeyRange;
import io.strata.engine.compaction.gc.CompactLsnRange;
import io.strata.engine.compaction.gc.CompactOptions;
import io.strata.engine.compaction.gc.GcCompaction;
import io.strata.engine.compaction.gc.GcCompactionException;
import io.strata.engine.compaction.gc.GcCompactionResult;
import io.strata.engine.compaction.gc.GcCompactionSettings;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.legacy.LegacyCompaction;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.read.MissingKeyException;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.GcCutoffException;
import io.strata.engine.timeline.GcResult;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.LsnLease;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/**
 * Runs seeded random operations on a real {@link StrataEngine} in a directory and, after each one, reads every key
 * of every timeline at the retained LSNs (batch ends, the GC cutoff, the tip, random LSNs in between) and compares
 * each page with the {@link Oracle}; reads below the applied GC cutoff must fail with {@link GcCutoffException},
 * keys that do not exist with {@link MissingKeyException}. Values are page images and Neon's test WAL records
 * (append, conditional append, clear, init), which the engine's redo applies, so reads reconstruct through deltas.
 *
 * <p>Operations: ingest, flush, L0 compaction, the legacy pass, image layer creation, gc-compaction with random key
 * and LSN rectangles, legacy GC (cutoffs predicted by the model), branch creation, lease grants and expiries, and
 * restarts (flushing, or hard: what was not durable is gone from the model too). Branch and lease requests the
 * engine must refuse are checked to be refused. A difference fails with {@link ModelCheckException} naming the
 * seed, the step, the operations before it, the timeline, key and LSN, and what was expected and found.
 *
 * <p>Everything blocks the calling thread: call it from a thread of its own (a test, a command), never from a
 * Reactor or event-loop thread. Not thread-safe; {@link ConcurrentReaders} are its only concurrent users.
 */
public final class ModelChecker implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(120);
    private static final TenantId TENANT = TenantId.parse("0de1c4ec0de1c4ec0de1c4ec0de1c4ec");
    private static final Lsn INITDB = Lsn.of(0x1000);
    private static final int HISTORY = 24;
    private static final Duration LEASE = Duration.ofHours(1);

    private final Path dir;
    private final ModelCheckerConfig config;
    private final EngineConfig engineConfig;
    private final Random rnd;
    private final Oracle oracle;
    private final ModelCheckStats stats = new ModelCheckStats();
    private final Deque<String> history = new ArrayDeque<>();
    /** Readers hold the read side around each read; a restart takes the write side. */
    private final ReentrantReadWriteLock engineLock = new ReentrantReadWriteLock();
    private final Map<TimelineId, ImageLayerCreation> images = new HashMap<>();
    private final AlignedBufferPool pool;
    private final ConcurrentReaders readers;
    private volatile StrataEngine engine;
    private volatile Tenant tenant;
    private volatile long step;
    private int branches;

    /** Keys per branch whose page at the branch point is read in the parent after each step. */
    private static final int BRANCH_POINT_KEYS = 8;

    private ModelChecker(Path dir, ModelCheckerConfig config) {
        this.dir = dir;
        this.config = config;
        this.engineConfig = engineConfig(config);
        this.rnd = new Random(config.seed());
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < config.keys(); i++) {
            keys.add(key(i));
        }
        this.oracle = new Oracle(keys);
        this.pool = new AlignedBufferPool(64 * 1024, 64, engineConfig.io().alignment());
        this.readers = config.readers() == 0 ? null : new ConcurrentReaders(this, config.readers(), config.seed());
    }

    /**
     * Opens an engine in {@code dir} (created if missing; it should be empty), creates the tenant and its root
     * timeline, and starts the concurrent readers if configured.
     */
    public static ModelChecker open(Path dir, ModelCheckerConfig config) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the model check directory " + dir, e);
        }
        ModelChecker c = new ModelChecker(dir, config);
        c.engine = StrataEngine.open(dir, c.engineConfig).block(T);
        c.tenant = c.engine.createTenant(TENANT).block(T);
        TimelineId root = c.timelineId(0);
        Timeline t = c.tenant.createTimeline(root, INITDB).block(T);
        TimelineModel m = c.oracle.addRoot(root, INITDB);
        c.checkEqual(m, null, INITDB, "last record LSN of a new timeline", m.lastRecordLsn(), t.lastRecordLsn());
        if (c.readers != null) {
            c.readers.start();
        }
        return c;
    }

    /** The engine settings of a model check: small layers, no background compaction (the model compacts). */
    static EngineConfig engineConfig(ModelCheckerConfig c) {
        EngineConfig e = EngineConfig.defaults()
                .withCompaction(CompactionConfig.defaults().withEnabled(false))
                .withWriteBuffers(64 * 1024, 16)
                .withBlockCacheBlocks(256)
                .withTimeline(TimelineConfig.defaults()
                        .withCheckpointDistance(c.checkpointDistance())
                        .withCheckpointTimeout(Duration.ofHours(1))
                        .withCompactionThreshold(4)
                        // no PITR (the horizon decides) and no lease grace after a load (leases are the model's)
                        .withGc(new GcConfig(0, Duration.ZERO, Duration.ZERO)));
        return c.ioEngine().map(k -> e.withIo(e.io().withEngine(k))).orElse(e);
    }

    public long seed() {
        return config.seed();
    }

    public ModelCheckStats stats() {
        return stats;
    }

    public Oracle oracle() {
        return oracle;
    }

    /** Steps run so far. */
    public long steps() {
        return step;
    }

    /** Runs one random operation, then checks every timeline against the model (and the readers' findings). */
    public void step() {
        step++;
        ModelOp op = draw();
        java.util.Set<String> before = op == ModelOp.RESTART ? java.util.Set.of() : allLayers();
        try {
            String done = apply(op);
            remember(step + " " + op.label() + ": " + done);
            if (op != ModelOp.RESTART) {
                java.util.Set<String> after = allLayers();
                long added = after.stream().filter(l -> !before.contains(l)).count();
                long removed = before.stream().filter(l -> !after.contains(l)).count();
                stats.layers(op, added, removed);
            }
        } catch (ModelCheckException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail("operation " + op.label() + " failed unexpectedly: " + e, e);
        }
        stats.op(op);
        try {
            verifyAll();
        } catch (ModelCheckException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail("the check after " + op.label() + " failed unexpectedly: " + e, e);
        }
        if (readers != null) {
            readers.rethrow();
        }
    }

    /**
     * Runs steps until {@code maxSteps} or {@code budget} is reached, whichever is first; returns the steps run.
     */
    public long run(long maxSteps, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        long n = 0;
        while (n < maxSteps && System.nanoTime() - deadline < 0) {
            step();
            n++;
        }
        return n;
    }

    /** Stops the readers and the engine (hard: the directory is the caller's to remove). */
    @Override
    public void close() {
        try {
            if (readers != null) {
                readers.stop();
            }
        } finally {
            StrataEngine e = engine;
            if (e != null) {
                e.shutdown(ShutdownMode.HARD).block(T);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ operations

    private ModelOp draw() {
        int total = Arrays.stream(ModelOp.values()).mapToInt(config::weight).sum();
        int r = rnd.nextInt(total);
        ModelOp op = ModelOp.INGEST;
        for (ModelOp o : ModelOp.values()) {
            if (r < config.weight(o)) {
                op = o;
                break;
            }
            r -= config.weight(o);
        }
        if (op == ModelOp.BRANCH && oracle.timelines().size() >= config.maxTimelines()) {
            return ModelOp.INGEST;
        }
        if (op == ModelOp.LEASE_EXPIRE && oracle.timelines().stream().allMatch(m -> m.leases().isEmpty())) {
            return ModelOp.LEASE_ADD;
        }
        return op;
    }

    private String apply(ModelOp op) {
        return switch (op) {
            case INGEST -> ingest(pick());
            case FLUSH -> flush(pick());
            case L0_COMPACTION -> l0Compaction(pick());
            case LEGACY_COMPACTION -> legacyCompaction(pick());
            case IMAGE_CREATION -> imageCreation(pick());
            case GC_COMPACTION -> gcCompaction(pick());
            case LEGACY_GC -> legacyGc(pick());
            case BRANCH -> branch(pick());
            case LEASE_ADD -> leaseAdd(pick());
            case LEASE_EXPIRE -> leaseExpire();
            case RESTART -> restart();
        };
    }

    private TimelineModel pick() {
        List<TimelineModel> all = oracle.timelines();
        return all.get(rnd.nextInt(all.size()));
    }

    private String ingest(TimelineModel m) {
        Timeline t = timeline(m);
        int n = 1 + rnd.nextInt(48);
        Lsn lsn = m.lastRecordLsn();
        List<IngestRecord> records = new ArrayList<>(n);
        List<byte[]> pages = new ArrayList<>(n);
        Map<Key, byte[]> tip = new HashMap<>();
        for (int i = 0; i < n; i++) {
            lsn = lsn.add(8L * (1 + rnd.nextInt(4)));
            Key k = oracle.keys().get(rnd.nextInt(oracle.keys().size()));
            byte[] cur = tip.containsKey(k) ? tip.get(k) : m.page(k, m.lastRecordLsn()).orElse(null);
            String tag = Long.toHexString(lsn.value());
            int r = rnd.nextInt(100);
            Value v;
            byte[] page;
            if (cur == null ? r < 70 : r < 12) {
                page = image(k, tag);
                v = new Value.Image(page);
            } else if (cur == null || r < 18) {
                page = utf8("i" + tag);
                v = new Value.WalRecord(NeonWalRecord.Test.walInit("i" + tag));
            } else if (r < 24) {
                page = utf8("c" + tag);
                v = new Value.WalRecord(NeonWalRecord.Test.walClear("c" + tag));
            } else if (r < 30) {
                // the redo refuses it unless the page it reconstructed below is exactly the model's
                page = concat(cur, utf8("?" + tag));
                v = new Value.WalRecord(NeonWalRecord.Test.walAppendConditional("?" + tag,
                        new String(cur, StandardCharsets.UTF_8)));
            } else {
                page = concat(cur, utf8("+" + tag));
                v = new Value.WalRecord(NeonWalRecord.Test.walAppend("+" + tag));
            }
            tip.put(k, page);
            records.add(new IngestRecord(k, lsn, v));
            pages.add(page);
        }
        List<List<IngestRecord>> batches = new ArrayList<>();
        for (int from = 0; from < n; ) {
            int to = Math.min(n, from + 1 + rnd.nextInt(n));
            batches.add(records.subList(from, to));
            from = to;
        }
        Lsn last = lsn;
        String what = n + " records in " + batches.size() + " batches on " + m.id() + " up to " + last;
        remember(step + " ingest (running): " + what);
        t.ingest(Flux.fromIterable(batches)).block(T);
        for (int i = 0; i < n; i++) {
            m.put(records.get(i).key(), records.get(i).lsn(), pages.get(i));
        }
        m.advance(last);
        checkEqual(m, null, last, "last record LSN after ingest", last, t.lastRecordLsn());
        return what;
    }

    private String flush(TimelineModel m) {
        Timeline t = timeline(m);
        t.freezeAndFlush().block(T);
        checkEqual(m, null, m.lastRecordLsn(), "disk-consistent LSN after freeze and flush", m.lastRecordLsn(),
                t.diskConsistentLsn());
        return m.id() + " to " + m.lastRecordLsn();
    }

    private Level0Compaction.Options l0Options(Timeline t) {
        return Level0Compaction.Options.of(t.config()).withTargetFileSize(config.l0TargetSize());
    }

    private String l0Compaction(TimelineModel m) {
        Timeline t = timeline(m);
        boolean force = rnd.nextBoolean();
        int before = t.layers().map().level0Deltas().size();
        Level0Compaction.Result r = Level0Compaction.compactLevel0(t, l0Options(t).withForce(force), pool).block(T);
        return m.id() + (force ? " forced" : "") + ", " + before + " L0 layers: " + r.outcome() + ", "
                + r.compacted().size() + " compacted";
    }

    private String legacyCompaction(TimelineModel m) {
        Timeline t = timeline(m);
        ImageLayerCreation ilc = images(m, t);
        CompactionOutcome o = LegacyCompaction.compactLegacy(t, l0Options(t), pool,
                tl -> LegacyCompaction.createImageLayers(ilc, ImageLayerCreationMode.TRY, true), false).block(T);
        return m.id() + ": " + o;
    }

    private String imageCreation(TimelineModel m) {
        Timeline t = timeline(m);
        ImageLayerCreationMode mode = rnd.nextBoolean() ? ImageLayerCreationMode.FORCE : ImageLayerCreationMode.TRY;
        int before = t.layers().map().historicLayers().size();
        CompactionOutcome o = LegacyCompaction.createImageLayers(images(m, t), mode, false).block(T);
        return m.id() + " " + mode + ": " + o + ", layers " + before + " -> "
                + t.layers().map().historicLayers().size();
    }

    private ImageLayerCreation images(TimelineModel m, Timeline t) {
        return images.computeIfAbsent(m.id(), id -> new ImageLayerCreation(t,
                ImageLayerCreationConfig.defaults().withCompactionTargetSize(config.imageTargetSize())));
    }

    private String gcCompaction(TimelineModel m) {
        Timeline t = timeline(m);
        CompactOptions o = CompactOptions.defaultForGcCompactionUnitTests();
        List<Key> keys = oracle.keys();
        if (rnd.nextBoolean()) {
            int a = rnd.nextInt(keys.size());
            int c = a + 1 + rnd.nextInt(keys.size() - a);
            o = o.withKeyRange(new CompactKeyRange(keys.get(a), c < keys.size() ? keys.get(c) : key(c)));
        }
        if (rnd.nextBoolean()) {
            long lo = m.startLsn().value();
            long hi = m.lastRecordLsn().value() + 1;
            Lsn s = rnd.nextBoolean() ? Lsn.INVALID : Lsn.of(lo + rnd.nextLong(hi - lo));
            Lsn e = rnd.nextBoolean() ? Lsn.MAX : Lsn.of(s.value() + 1 + rnd.nextLong(hi - s.value()));
            o = o.withLsnRange(new CompactLsnRange(s, e));
        }
        if (rnd.nextInt(10) == 0) {
            o = o.withFlag(CompactFlags.DRY_RUN);
        }
        if (rnd.nextInt(6) == 0) {
            o = o.withSubCompaction(true, OptionalLong.of(1));
        }
        String what = m.id() + " keys " + o.compactKeyRange().map(Object::toString).orElse("all") + " LSNs "
                + o.compactLsnRange().map(Object::toString).orElse("all") + (o.has(CompactFlags.DRY_RUN)
                ? " dry run" : "") + (o.subCompaction() ? " split" : "");
        remember(step + " gc-compaction (running): " + what);
        List<LayerName> before = layerNames(t);
        GcCompactionSettings settings = GcCompactionSettings.defaults()
                .withCompactionTargetSize(config.gcCompactionTargetSize());
        String outcome;
        try {
            GcCompactionResult r = GcCompaction.compactWithGc(t, o, settings, pool).block(T);
            outcome = r.outcome() + ", " + r.removed().size() + " removed, " + r.added().size() + " added";
        } catch (GcCompactionException e) {
            // Neon gives up on a key range that holds no key, and refuses a result its layer map check rejects (an
            // LSN-range job over layers whose LSN ranges are staggered writes layers that would overlap unselected
            // ones); nothing may have changed then
            if (e.getMessage() == null || !(e.getMessage().contains("no keys produced")
                    || e.getMessage().contains("compaction result not applied"))) {
                throw e;
            }
            stats.requestsRefused.increment();
            if (!before.equals(layerNames(t))) {
                throw fail("gc-compaction " + what + " failed (" + e.getMessage() + ") but changed the layers "
                        + "from " + before + " to " + layerNames(t), e);
            }
            outcome = "refused: " + e.getMessage();
        }
        Optional<String> invalid = LayerMapChecks.checkValidLayerMap(layerNames(t));
        if (invalid.isPresent()) {
            throw fail("gc-compaction " + what + " left an invalid layer map: " + invalid.get() + "\n"
                    + layerNames(t), null);
        }
        return what + ": " + outcome;
    }

    /** Every timeline's historic layers, by timeline and name. */
    private java.util.Set<String> allLayers() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (TimelineModel m : oracle.timelines()) {
            for (LayerName n : layerNames(timeline(m))) {
                out.add(m.id() + "/" + n);
            }
        }
        return out;
    }

    private static List<LayerName> layerNames(Timeline t) {
        return t.layers().map().historicLayers().stream().map(PersistentLayerDesc::name).sorted(
                java.util.Comparator.comparing(LayerName::toString)).toList();
    }

    private String legacyGc(TimelineModel m) {
        boolean all = rnd.nextInt(4) == 0;
        long span = m.lastRecordLsn().value() - max(m.appliedCutoff(), m.startLsn()).value();
        long horizon = rnd.nextInt(4) == 0 ? 0 : (long) (rnd.nextDouble() * 1.2 * span);
        List<TimelineModel> targets = all ? oracle.timelines() : List.of(m);
        Map<TimelineId, Lsn> durableBefore = new HashMap<>();
        for (TimelineModel tm : targets) {
            durableBefore.put(tm.id(), timeline(tm).diskConsistentLsn());
        }
        String what = (all ? "all timelines" : m.id().toString()) + ", horizon " + horizon;
        remember(step + " legacy-gc (running): " + what);
        SortedMap<TimelineId, GcResult> results = tenant.gcIteration(all ? Optional.empty() : Optional.of(m.id()),
                horizon, Duration.ZERO).block(T);
        // Neon's refresh: every timeline's planned cutoffs move (never back), expired leases go
        for (TimelineModel tm : oracle.timelines()) {
            tm.refreshPlanned(tm.lastRecordLsn().saturatingSub(horizon), tm.lastRecordLsn());
            Timeline t = timeline(tm);
            checkEqual(tm, null, tm.lastRecordLsn(), "planned GC cutoff after a refresh with horizon " + horizon,
                    tm.plannedCutoff(), t.gcInfo().minCutoff());
            checkEqual(tm, null, tm.lastRecordLsn(), "leases after a GC refresh", List.copyOf(tm.leases()),
                    List.copyOf(t.gcInfo().leases().keySet()));
        }
        StringBuilder out = new StringBuilder(what);
        for (TimelineModel tm : targets) {
            Timeline t = timeline(tm);
            Lsn low = predictedCutoff(tm, durableBefore.get(tm.id()));
            Lsn high = predictedCutoff(tm, t.diskConsistentLsn());
            Lsn actual = t.appliedGcCutoffLsn();
            if (actual.isBefore(low) || actual.isAfter(high)) {
                throw fail("GC with horizon " + horizon + " on " + tm.id() + ": applied cutoff " + actual
                        + ", the model expected " + (low.equals(high) ? low : "between " + low + " and " + high), null);
            }
            GcResult r = results.get(tm.id());
            if (r == null || !r.newCutoff().equals(actual)) {
                throw fail("GC on " + tm.id() + " reported " + (r == null ? "nothing" : r.toJson())
                        + " but the applied cutoff is " + actual, null);
            }
            tm.setAppliedCutoff(actual);
            out.append("; ").append(tm.id()).append(" cutoff ").append(actual).append(", ").append(r.layersRemoved())
                    .append(" of ").append(r.layersTotal()).append(" layers removed");
        }
        return out.toString();
    }

    /** Timeline.gc's cutoff: min(space cutoff capped at the durable LSN, time cutoff), never going back. */
    private static Lsn predictedCutoff(TimelineModel m, Lsn durable) {
        Lsn space = min(m.plannedSpace(), durable);
        Lsn cutoff = min(space, m.plannedTime().orElseThrow());
        return cutoff.isAfter(m.appliedCutoff()) ? cutoff : m.appliedCutoff();
    }

    private String branch(TimelineModel parent) {
        Lsn floor = max(max(parent.appliedCutoff(), parent.plannedCutoff()), parent.startLsn());
        Lsn tip = parent.lastRecordLsn();
        int r = rnd.nextInt(10);
        Lsn start;
        if (r < 2 && !parent.leases().isEmpty()) {
            List<Lsn> leased = List.copyOf(parent.leases());
            start = leased.get(rnd.nextInt(leased.size()));
        } else if (r < 7 && !floor.isAfter(tip)) {
            start = randomLsn(floor, tip);
        } else {
            Lsn low = parent.parent().isPresent() && rnd.nextBoolean() ? parent.startLsn().saturatingSub(0x100)
                    : parent.startLsn();
            start = randomLsn(max(low, INITDB), tip);
        }
        TimelineId child = timelineId(++branches);
        String refusal = null;
        if (parent.parent().isPresent() && start.isBefore(parent.branchLsn())) {
            refusal = "IllegalArgumentException";
        } else if (!parent.leases().contains(start)
                && (start.isBefore(parent.appliedCutoff()) || start.isBefore(parent.plannedCutoff()))) {
            refusal = "GcCutoffException";
        }
        String what = child + " off " + parent.id() + " at " + start + " (applied cutoff " + parent.appliedCutoff()
                + ", planned " + parent.plannedCutoff() + ", leases " + parent.leases() + ")";
        remember(step + " branch (running): " + what);
        Supplier<Timeline> create = () -> tenant.branchTimeline(parent.id(), child, Optional.of(start)).block(T);
        if (refusal != null) {
            Class<? extends Throwable> want = refusal.equals("GcCutoffException") ? GcCutoffException.class
                    : IllegalArgumentException.class;
            expectRefusal(parent, start, "branch " + what, want, create);
            if (tenant.timeline(child).isPresent()) {
                throw fail("the refused branch " + child + " exists", null);
            }
            stats.requestsRefused.increment();
            return what + ": refused";
        }
        Timeline t = create.get();
        TimelineModel m = oracle.addBranch(child, parent, start);
        checkEqual(m, null, start, "last record LSN of a new branch", start, t.lastRecordLsn());
        checkEqual(m, null, start, "applied GC cutoff of a new branch (its parent's)", m.appliedCutoff(),
                t.appliedGcCutoffLsn());
        return what;
    }

    private String leaseAdd(TimelineModel m) {
        Timeline t = timeline(m);
        Lsn floor = max(max(m.appliedCutoff(), m.plannedCutoff()), m.startLsn());
        Lsn tip = m.lastRecordLsn();
        int r = rnd.nextInt(10);
        Lsn lsn;
        if (r < 2 && !m.leases().isEmpty()) {
            List<Lsn> leased = List.copyOf(m.leases());
            lsn = leased.get(rnd.nextInt(leased.size()));
        } else if (r < 7 && !floor.isAfter(tip)) {
            lsn = randomLsn(floor, tip);
        } else {
            lsn = randomLsn(m.startLsn(), tip);
        }
        boolean refused = !m.leases().contains(lsn)
                && (lsn.isBefore(m.appliedCutoff()) || lsn.isBefore(m.plannedCutoff()));
        String what = m.id() + " at " + lsn + " (applied cutoff " + m.appliedCutoff() + ", planned "
                + m.plannedCutoff() + ")";
        if (refused) {
            expectRefusal(m, lsn, "lease " + what, GcCutoffException.class, () -> t.leaseLsn(lsn, LEASE, true));
            stats.requestsRefused.increment();
            return what + ": refused";
        }
        LsnLease lease = t.leaseLsn(lsn, LEASE, true);
        checkEqual(m, null, lsn, "leased LSN", lsn, lease.lsn());
        m.addLease(lsn);
        return what;
    }

    /** A lease runs out (as if its length had passed): the engine forgets it at the next GC refresh. */
    private String leaseExpire() {
        List<TimelineModel> holding = oracle.timelines().stream().filter(m -> !m.leases().isEmpty()).toList();
        TimelineModel m = holding.get(rnd.nextInt(holding.size()));
        List<Lsn> leased = List.copyOf(m.leases());
        Lsn lsn = leased.get(rnd.nextInt(leased.size()));
        timeline(m).updateGcInfo(i -> i.withLease(new LsnLease(lsn, Instant.now().minusSeconds(1))));
        m.expireLease(lsn);
        return m.id() + " at " + lsn;
    }

    private String restart() {
        boolean hard = rnd.nextInt(3) == 0;
        engineLock.writeLock().lock();
        try {
            Map<TimelineId, Lsn> durable = new HashMap<>();
            for (TimelineModel m : oracle.timelines()) {
                durable.put(m.id(), timeline(m).diskConsistentLsn());
            }
            remember(step + " restart (running): " + (hard ? "hard" : "flushing"));
            engine.shutdown(hard ? ShutdownMode.HARD : ShutdownMode.FREEZE_AND_FLUSH).block(T);
            images.clear();
            engine = StrataEngine.open(dir, engineConfig).block(T);
            tenant = engine.tenant(TENANT).orElseThrow(() -> fail("tenant " + TENANT + " is gone after a restart",
                    null));
            StringBuilder lost = new StringBuilder();
            for (TimelineModel m : oracle.timelines()) {
                Timeline t = tenant.timeline(m.id()).orElseThrow(() -> fail("timeline " + m.id()
                        + " is gone after a restart", null));
                Lsn last = t.lastRecordLsn();
                if (!hard) {
                    checkEqual(m, null, m.lastRecordLsn(), "last record LSN after a flushing restart",
                            m.lastRecordLsn(), last);
                } else if (last.isBefore(durable.get(m.id())) || last.isAfter(m.lastRecordLsn())) {
                    throw fail("after a hard restart " + m.id() + " resumes at " + last + ", outside the durable "
                            + durable.get(m.id()) + " .. last record " + m.lastRecordLsn(), null);
                }
                if (last.isBefore(m.lastRecordLsn())) {
                    lost.append(' ').append(m.id()).append(" back to ").append(last);
                    m.truncateAbove(last);
                }
                m.forgetInMemoryGcState();
                checkEqual(m, null, last, "applied GC cutoff after a restart", m.appliedCutoff(),
                        t.appliedGcCutoffLsn());
            }
            return (hard ? "hard" : "flushing") + (lost.length() == 0 ? "" : ", lost:" + lost);
        } finally {
            engineLock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** Reads every key of every timeline at the LSNs the model retains, and below the cutoffs. */
    void verifyAll() {
        for (TimelineModel m : oracle.timelines()) {
            if (m.parent().isPresent()) {
                checkBranchPoint(m);
            }
        }
        for (TimelineModel m : oracle.timelines()) {
            Timeline t = timeline(m);
            checkEqual(m, null, m.lastRecordLsn(), "last record LSN", m.lastRecordLsn(), t.lastRecordLsn());
            checkEqual(m, null, m.lastRecordLsn(), "applied GC cutoff", m.appliedCutoff(), t.appliedGcCutoffLsn());
            for (Lsn p : checkLsns(m)) {
                if (m.guaranteed(p)) {
                    checkVectored(m, t, p);
                    checkSingle(m, t, p);
                }
            }
            if (m.appliedCutoff().isAfter(m.startLsn())) {
                Lsn below = randomLsn(m.startLsn(), m.appliedCutoff().saturatingSub(1));
                Key k = oracle.keys().get(rnd.nextInt(oracle.keys().size()));
                expectRefusal(m, below, "read of " + k, GcCutoffException.class, () -> t.get(k, below).block(T));
                KeySpace all = KeySpace.single(new KeyRange(oracle.keys().get(0), key(oracle.keys().size())));
                expectRefusal(m, below, "vectored read", GcCutoffException.class,
                        () -> t.getVectored(all, below).collectList().block(T));
                stats.refusalsChecked.add(2);
            }
        }
    }

    /**
     * The pages of a branch at its branch point, read in its parent by the read path compaction uses (no GC cutoff
     * check): the parent keeps them for the child however far GC moved (a child's gc-compaction reads its base there).
     * A random sample of keys per step keeps it cheap.
     */
    private void checkBranchPoint(TimelineModel m) {
        Timeline parent = timeline(m.parent().get());
        Lsn at = m.branchLsn();
        for (int i = 0; i < BRANCH_POINT_KEYS; i++) {
            Key k = oracle.keys().get(rnd.nextInt(oracle.keys().size()));
            Optional<byte[]> expected = m.page(k, at);
            byte[] got;
            try {
                got = parent.getForCompaction(k, at).block(T);
            } catch (RuntimeException e) {
                throw fail(m, k, at, "read of the branch point in the parent failed: " + e, e);
            }
            if (expected.isEmpty() != (got == null)) {
                throw fail(m, k, at, "the parent " + (got == null ? "lost the page at the branch point, expected "
                        + show(expected.get()) : "has a page at the branch point the model has not: " + show(got)),
                        null);
            }
            if (got != null) {
                comparePage(m, k, at, expected.get(), got, "read of the branch point in the parent");
            }
            stats.pagesChecked.increment();
        }
    }

    /** Retained batch ends (all, or a random choice when many), the cutoff, the tip and random LSNs between. */
    private List<Lsn> checkLsns(TimelineModel m) {
        Lsn low = max(m.appliedCutoff(), m.startLsn());
        Lsn tip = m.lastRecordLsn();
        if (low.isAfter(tip)) {
            // a branch made at a leased LSN below its parent's applied cutoff starts with that cutoff (as in Neon):
            // nothing is readable on it until it ingests past the cutoff
            return List.of();
        }
        TreeSet<Lsn> points = new TreeSet<>();
        List<Lsn> ends = new ArrayList<>(m.checkpoints().subSet(low, true, tip, true));
        if (ends.size() > config.maxCheckLsns()) {
            java.util.Collections.shuffle(ends, rnd);
            ends = ends.subList(0, config.maxCheckLsns());
        }
        points.addAll(ends);
        points.add(tip);
        points.add(low);
        for (int i = 0; i < 3; i++) {
            points.add(randomLsn(low, tip));
        }
        // a branch reads below its branch point in its ancestors, at the LSN itself
        if (m.parent().isPresent() && m.appliedCutoff().isBefore(m.branchLsn())) {
            points.add(randomLsn(m.appliedCutoff(), m.branchLsn().saturatingSub(1)));
        }
        return List.copyOf(points);
    }

    private void checkVectored(TimelineModel m, Timeline t, Lsn lsn) {
        TreeMap<Key, byte[]> expected = oracle.pagesAt(m, lsn);
        if (expected.isEmpty()) {
            return;
        }
        KeySpace.Builder b = KeySpace.builder();
        expected.keySet().forEach(b::add);
        List<Page> pages;
        try {
            pages = t.getVectored(b.build(), lsn).collectList().block(T);
        } catch (RuntimeException e) {
            throw fail(m, null, lsn, "vectored read of " + expected.size() + " keys failed: " + e, e);
        }
        if (pages.size() != expected.size()) {
            throw fail(m, null, lsn, "vectored read returned " + pages.size() + " pages, the model has "
                    + expected.size() + " keys: " + pages.stream().map(Page::key).toList(), null);
        }
        for (Page p : pages) {
            comparePage(m, p.key(), lsn, expected.get(p.key()), p.bytes(), "vectored read");
        }
        stats.pagesChecked.add(pages.size());
    }

    private void checkSingle(TimelineModel m, Timeline t, Lsn lsn) {
        Key k = oracle.keys().get(rnd.nextInt(oracle.keys().size()));
        Optional<byte[]> expected = m.page(k, lsn);
        if (expected.isEmpty()) {
            expectRefusal(m, lsn, "read of the missing key " + k, MissingKeyException.class,
                    () -> t.get(k, lsn).block(T));
            stats.refusalsChecked.increment();
            return;
        }
        byte[] got;
        try {
            got = t.get(k, lsn).block(T);
        } catch (RuntimeException e) {
            throw fail(m, k, lsn, "read failed: " + e + "; expected " + show(expected.get()), e);
        }
        comparePage(m, k, lsn, expected.get(), got, "read");
        stats.pagesChecked.increment();
    }

    private void comparePage(TimelineModel m, Key k, Lsn lsn, byte[] expected, byte[] actual, String what) {
        if (!Arrays.equals(expected, actual)) {
            throw fail(m, k, lsn, what + " returned a different page\n  expected: " + show(expected)
                    + "\n  actual:   " + show(actual), null);
        }
    }

    private void expectRefusal(TimelineModel m, Lsn lsn, String what, Class<? extends Throwable> want,
                               Supplier<?> call) {
        Object got;
        try {
            got = call.get();
        } catch (RuntimeException e) {
            Throwable cause = unwrap(e);
            if (want.isInstance(cause)) {
                return;
            }
            throw fail(m, null, lsn, what + ": expected " + want.getSimpleName() + ", got " + cause, e);
        }
        throw fail(m, null, lsn, what + ": expected " + want.getSimpleName() + ", but it succeeded with "
                + (got instanceof byte[] b ? show(b) : String.valueOf(got)), null);
    }

    static Throwable unwrap(Throwable e) {
        Throwable c = e;
        // block() wraps checked exceptions only; Reactor may wrap composite errors
        while (c.getCause() != null && c.getClass().getName().startsWith("reactor.")) {
            c = c.getCause();
        }
        return c;
    }

    private <V> void checkEqual(TimelineModel m, Key k, Lsn lsn, String what, V expected, V actual) {
        if (!expected.equals(actual)) {
            throw fail(m, k, lsn, what + ": expected " + expected + ", actual " + actual, null);
        }
    }

    // ------------------------------------------------------------------------------------------------ failures

    private ModelCheckException fail(TimelineModel m, Key k, Lsn lsn, String what, Throwable cause) {
        return fail("timeline " + m + (k == null ? "" : ", key " + k) + ", LSN " + lsn + ": " + what, cause);
    }

    ModelCheckException fail(String what, Throwable cause) {
        StringBuilder sb = new StringBuilder("model check failed (seed ").append(config.seed()).append(", step ")
                .append(step).append("; rerun with -Dstrata.model.seed=").append(config.seed()).append("): ")
                .append(what).append("\n  last operations:");
        synchronized (history) {
            for (String h : history) {
                sb.append("\n    ").append(h);
            }
        }
        return new ModelCheckException(config.seed(), step, sb.toString(), cause);
    }

    private void remember(String op) {
        synchronized (history) {
            rememberLocked(op);
        }
    }

    private void rememberLocked(String op) {
        if (!history.isEmpty() && history.peekLast().startsWith(step + " ") && history.peekLast().contains(
                "(running)")) {
            history.pollLast();
        }
        history.addLast(op);
        while (history.size() > HISTORY) {
            history.pollFirst();
        }
    }

    static String show(byte[] page) {
        String s = new String(page, StandardCharsets.UTF_8);
        return s.length() <= 160 ? "\"" + s + "\"" : "\"" + s.substring(0, 80) + "..." + s.substring(s.length() - 60)
                + "\" (" + page.length + " bytes)";
    }

    // ------------------------------------------------------------------------------------------------ for readers

    /** The engine's timeline of a model timeline (readers call it holding {@link #readLock()}). */
    Timeline timeline(TimelineModel m) {
        return tenant.timeline(m.id()).orElseThrow(() -> new IllegalStateException("the engine has no timeline "
                + m.id()));
    }

    ReentrantReadWriteLock.ReadLock readLock() {
        return engineLock.readLock();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private TimelineId timelineId(int n) {
        return TimelineId.parse(String.format("%016x%016x", 0x6d6f64656c000000L, n));
    }

    /** Block {@code n} of the workload's relation. */
    static Key key(int n) {
        return new Key(0, 1663, 5, 16384, 0, n);
    }

    private static byte[] image(Key k, String tag) {
        byte[] head = utf8("k" + k.field6() + "@" + tag + ";");
        int size = head.length + (tag.hashCode() & 0xff);
        byte[] b = Arrays.copyOf(head, size);
        for (int j = head.length; j < size; j++) {
            b[j] = (byte) ('a' + j % 26);
        }
        return b;
    }

    private Lsn randomLsn(Lsn lo, Lsn hi) {
        if (!hi.isAfter(lo)) {
            return lo;
        }
        return Lsn.of(lo.value() + rnd.nextLong(hi.value() - lo.value() + 1));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    static Lsn min(Lsn a, Lsn b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
