package io.strata.engine.read;

import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.List;

/**
 * Dense keys a read asked for exist in no layer at the requested LSN (Neon's {@code MissingKeyError}). Names the
 * keys, the LSN asked for, the timeline the search ended in, and the first layers visited.
 */
public final class MissingKeyException extends RuntimeException {
    private final transient KeySpace keySpace;
    private final transient Lsn lsn;

    public MissingKeyException(KeySpace keySpace, Lsn lsn, String timeline, List<String> layersVisited) {
        super("could not find data for keys " + keySpace + " at LSN " + lsn + " in " + timeline + "; layers visited: "
                + (layersVisited.isEmpty() ? "none" : String.join("; ", layersVisited)));
        this.keySpace = keySpace;
        this.lsn = lsn;
    }

    public KeySpace keySpace() {
        return keySpace;
    }

    public Lsn lsn() {
        return lsn;
    }
}
