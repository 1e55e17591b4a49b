package io.strata.engine.read;

import io.strata.engine.key.Key;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Test access to what a {@link ValuesReconstructState} collected (its per-key state is package-private): the
 * keys with planned values, how many were planned per key, whether each key is complete, and each key's values once
 * its IOs completed.
 */
public final class ReconstructResults {
    private ReconstructResults() {
    }

    /** Keys with at least one planned value, and how many values were planned for each. */
    public static Map<Key, Integer> planned(ValuesReconstructState state) {
        Map<Key, Integer> out = new TreeMap<>();
        state.keys().forEach((k, v) -> out.put(k, v.size()));
        return out;
    }

    /** Whether the search for {@code key} is over (an image or a will_init record was planned). */
    public static boolean isComplete(ValuesReconstructState state, Key key) {
        VectoredValueReconstructState s = state.keys().get(key);
        return s != null && s.isComplete();
    }

    /** Waits for every key's IOs and decodes its values (Neon's {@code collect_pending_ios}). */
    public static Mono<Map<Key, ValueReconstructState>> collect(ValuesReconstructState state) {
        return Flux.fromIterable(state.keys().entrySet())
                .concatMap(e -> e.getValue().collectPendingIos(e.getKey()).map(v -> Map.entry(e.getKey(), v)))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue, TreeMap::new);
    }

    public static Map<Key, ValueReconstructState> collect(ValuesReconstructState state, Duration timeout) {
        return collect(state).block(timeout);
    }
}
