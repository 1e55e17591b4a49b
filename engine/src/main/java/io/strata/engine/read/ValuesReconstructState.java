package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Everything one vectored get accumulates while it descends through the layers (Neon's
 * {@code ValuesReconstructState}): per key, the IO futures of its values newest first and whether the key is
 * complete (an image or a will_init record was found); the keys completed since the last layer; the key range of
 * the last image layer visited; and counters for metrics.
 *
 * <p>Layers call {@link #updateKey} while planning, newest LSN first per key, and hand their IO to
 * {@link #spawnIo}: with {@link IoConcurrency#SEQUENTIAL} the layer visit waits for it, with
 * {@link IoConcurrency#CONCURRENT} it runs while the next layer is planned. Layer visits of one read are
 * sequential, so the planning side needs no locks; IO completions may arrive on any thread.
 */
public final class ValuesReconstructState {
    private final IoConcurrency ioConcurrency;
    private final Map<Key, VectoredValueReconstructState> keys = new HashMap<>();
    private KeySpace.Builder keysDone = KeySpace.builder();
    private boolean anyKeyDone;
    private KeyRange keysWithImageCoverage;
    private int layersVisited;
    private int deltaLayersVisited;
    private int iosPlanned;
    private final AtomicInteger activeIos = new AtomicInteger();
    private final Disposable.Composite inFlight = Disposables.composite();
    /** The first layer visits, kept as they are and only formatted for an error message. */
    private final List<Visited> visits = new ArrayList<>();

    public ValuesReconstructState(IoConcurrency ioConcurrency) {
        this.ioConcurrency = Objects.requireNonNull(ioConcurrency, "ioConcurrency");
    }

    public IoConcurrency ioConcurrency() {
        return ioConcurrency;
    }

    /**
     * Records that the value of {@code key} at {@code lsn} is needed and returns the IO the layer must complete with
     * it (Neon's {@code update_key}). {@code completes} tells that the value is an image or a will_init record:
     * the key is then done and older layers are not searched for it. A sparse key may be seen again after it is
     * complete (unmapped sparse ranges are not tracked); such reads get {@link OnDiskValueIo#UNNECESSARY}.
     *
     * @throws IllegalStateException if a dense key is updated after it completed (a planning bug)
     */
    public OnDiskValueIo updateKey(Key key, Lsn lsn, boolean completes) {
        VectoredValueReconstructState state = keys.computeIfAbsent(key, k -> new VectoredValueReconstructState());
        boolean sparse = key.isSparse();
        if (state.isComplete()) {
            if (sparse) {
                return OnDiskValueIo.UNNECESSARY;
            }
            throw new IllegalStateException("key " + key + " at " + lsn + " planned after the key was complete");
        }
        activeIos.incrementAndGet();
        iosPlanned++;
        OnDiskValueIo io = OnDiskValueIo.required(activeIos::decrementAndGet);
        state.add(lsn, io);
        if (completes) {
            state.markComplete();
            if (!sparse) {
                keysDone.add(key);
                anyKeyDone = true;
            }
        }
        return io;
    }

    /**
     * An image layer holds every key of its range that exists at its LSN: after visiting it, keys of the range it
     * did not hold are known not to exist (Neon's {@code on_image_layer_visited}).
     */
    public void onImageLayerVisited(KeyRange keyRange) {
        if (keysWithImageCoverage != null) {
            throw new IllegalStateException("image coverage " + keysWithImageCoverage
                    + " was not consumed before visiting " + keyRange);
        }
        keysWithImageCoverage = keyRange;
    }

    void onLayerVisited(ReadableLayer layer, List<ReadableLayer.LayerRead> reads) {
        layersVisited++;
        if (layer.isDelta()) {
            deltaLayersVisited++;
        }
        if (visits.size() < 32) {
            visits.add(new Visited(layer, reads));
        }
    }

    private record Visited(ReadableLayer layer, List<ReadableLayer.LayerRead> reads) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(layer.describe()).append(" for");
            for (ReadableLayer.LayerRead r : reads) {
                sb.append(' ').append(r.keySpace()).append(" in [").append(r.lsnFloor()).append(", ")
                        .append(r.lsnCeil()).append(')');
            }
            return sb.toString();
        }
    }

    /** Keys completed since the last call, and the image layer range visited since then (may be null). */
    DoneKeys consumeDoneKeys() {
        KeySpace done = anyKeyDone ? keysDone.build() : KeySpace.empty();
        if (anyKeyDone) {
            keysDone = KeySpace.builder();
            anyKeyDone = false;
        }
        KeyRange image = keysWithImageCoverage;
        keysWithImageCoverage = null;
        return new DoneKeys(done, image);
    }

    record DoneKeys(KeySpace keys, KeyRange imageCoverage) {
    }

    /**
     * Runs a layer's IO (Neon's {@code spawn_io}). The IO must complete the {@link OnDiskValueIo}s it was planned
     * for, with values or errors, and must not fail itself. Sequential: the returned Mono is the IO. Concurrent: the
     * IO starts now and the returned Mono completes at once; {@link #cancel()} stops IOs still running.
     */
    public Mono<Void> spawnIo(Mono<Void> io) {
        if (ioConcurrency == IoConcurrency.SEQUENTIAL) {
            return io;
        }
        return Mono.fromRunnable(() -> {
            Disposable.Swap slot = Disposables.swap();
            if (inFlight.add(slot)) {
                slot.update(io.doFinally(s -> inFlight.remove(slot)).subscribe(null, e -> { }));
            }
        });
    }

    /** Stops IOs still in flight (their buffers go back once the kernel is done with them). */
    public void cancel() {
        inFlight.dispose();
    }

    /** Number of IO futures not completed yet. */
    public int activeIos() {
        return activeIos.get();
    }

    public int layersVisited() {
        return layersVisited;
    }

    public int deltaLayersVisited() {
        return deltaLayersVisited;
    }

    /** Number of (key, LSN) values planned for reading. */
    public int iosPlanned() {
        return iosPlanned;
    }

    /** The first layer visits, for error messages. */
    List<String> visits() {
        return visits.stream().map(Visited::toString).toList();
    }

    /** The keys with planned values, in no particular order. */
    Map<Key, VectoredValueReconstructState> keys() {
        return keys;
    }
}
