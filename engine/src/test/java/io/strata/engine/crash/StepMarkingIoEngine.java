package io.strata.engine.crash;

import io.strata.engine.layer.LayerName;
import io.strata.engine.timeline.IndexPart;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.OpenMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;

/**
 * The child's io engine: reports the durable steps of every layer and index write as they start and complete
 * ({@code STEP layer-begin|layer-done|index-begin|index-done <temp file>}), so that the parent can aim its SIGKILL
 * at them, and adds a short random latency to renames and directory fsyncs (as a slow disk would), which widens the
 * windows between a file's write, its rename and the index naming it. It changes no result and no order.
 */
final class StepMarkingIoEngine implements IoEngine {
    private final IoEngine delegate;
    private final Consumer<String> say;
    private final int maxLatencyMicros;

    StepMarkingIoEngine(IoEngine delegate, Consumer<String> say, int maxLatencyMicros) {
        this.delegate = delegate;
        this.say = say;
        this.maxLatencyMicros = maxLatencyMicros;
    }

    private static boolean isIndexTemp(String name) {
        return name.startsWith(IndexPart.FILE_NAME + ".") && name.endsWith(LayerName.TEMP_FILE_SUFFIX);
    }

    private static boolean isLayerTemp(String name) {
        return name.contains("__") && name.endsWith(LayerName.TEMP_FILE_SUFFIX) && !isIndexTemp(name);
    }

    private Mono<Void> latency() {
        if (maxLatencyMicros <= 0) {
            return Mono.empty();
        }
        long micros = ThreadLocalRandom.current().nextLong(maxLatencyMicros);
        return Mono.delay(Duration.ofNanos(micros * 1000)).then(); // a timer, no thread waits
    }

    @Override
    public IoEngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String describe() {
        return "step-marking " + delegate.describe();
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        String name = path.getFileName().toString();
        if (mode == OpenMode.CREATE_NEW_WRITE && (isIndexTemp(name) || isLayerTemp(name))) {
            String step = isIndexTemp(name) ? "index-begin " : "layer-begin ";
            return Mono.defer(() -> {
                say.accept("STEP " + step + name);
                return delegate.open(path, mode);
            });
        }
        return delegate.open(path, mode);
    }

    @Override
    public Mono<Void> rename(Path from, Path to) {
        String name = from.getFileName().toString();
        Mono<Void> renamed = latency().then(delegate.rename(from, to));
        if (isIndexTemp(name)) {
            return renamed.then(Mono.fromRunnable(() -> say.accept("STEP index-done " + name)));
        }
        if (isLayerTemp(name)) {
            return renamed.then(Mono.fromRunnable(() -> say.accept("STEP layer-done " + name)));
        }
        return renamed;
    }

    @Override
    public Mono<Void> deleteIfExists(Path path) {
        return delegate.deleteIfExists(path);
    }

    @Override
    public Mono<Void> fsyncDirectory(Path dir) {
        return latency().then(delegate.fsyncDirectory(dir));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
