package io.strata.perf.jmh;

import io.strata.engine.key.Key;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Key#compareTo} on keys of one relation (the common case: equal prefixes, the block number decides), the
 * comparison under every index search, merge step and layer-map lookup.
 */
@State(Scope.Thread)
public class KeyCompareBench {
    private static final int KEYS = 1024;

    private Key[] keys;
    private int next;

    @Setup
    public void keys() {
        SplittableRandom random = new SplittableRandom(11);
        keys = new Key[KEYS + 1];
        for (int i = 0; i <= KEYS; i++) {
            keys[i] = new Key(0, 1663, 16384, 24576 + random.nextInt(2), 0, random.nextInt(1 << 20));
        }
    }

    @Benchmark
    public int compareTo() {
        int i = next;
        next = (i + 1) & (KEYS - 1);
        return keys[i].compareTo(keys[i + 1]);
    }
}
