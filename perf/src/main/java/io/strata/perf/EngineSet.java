package io.strata.perf;

import io.strata.io.file.IoEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Strata engines of one benchmark run, created up front and closed together. */
final class EngineSet implements AutoCloseable {
    private final Map<BenchEngine, IoEngine> engines = new LinkedHashMap<>();

    /** Creates each engine sized for {@code maxQd}; on failure closes those already made and rethrows. */
    static EngineSet open(List<BenchEngine> kinds, int maxQd, int rings, Progress progress) {
        EngineSet set = new EngineSet();
        try {
            for (BenchEngine k : kinds) {
                IoEngine e = k.create(maxQd, rings);
                set.engines.put(k, e);
                progress.line("engine " + k.label() + ": " + e.describe());
            }
            return set;
        } catch (RuntimeException | Error e) {
            set.close();
            throw e;
        }
    }

    Map<BenchEngine, IoEngine> engines() {
        return engines;
    }

    /** The engine for housekeeping (making the data file): the first one asked for. */
    IoEngine first() {
        return engines.values().iterator().next();
    }

    @Override
    public void close() {
        List<IoEngine> all = new ArrayList<>(engines.values());
        RuntimeException first = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        engines.clear();
        if (first != null) {
            throw first;
        }
    }
}
