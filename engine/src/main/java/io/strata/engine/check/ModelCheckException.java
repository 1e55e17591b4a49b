package io.strata.engine.check;

/**
 * A difference between the engine and the model: the message names the seed, the step, the timeline, key and LSN,
 * what was expected and what was found, and the operations that led there.
 */
public final class ModelCheckException extends RuntimeException {
    private final long seed;
    private final long step;

    ModelCheckException(long seed, long step, String message, Throwable cause) {
        super(message, cause);
        this.seed = seed;
        this.step = step;
    }

    /** The seed that reproduces the run. */
    public long seed() {
        return seed;
    }

    /** The step (1-based) after which the difference was found. */
    public long step() {
        return step;
    }
}
