package io.strata.engine.read;

/**
 * How the IOs a layer visit plans are executed (Neon's {@code IoConcurrency}).
 */
public enum IoConcurrency {
    /** Each layer's IOs complete before the next layer is planned. */
    SEQUENTIAL,
    /** A layer's IOs are started and the next layer is planned while they are in flight. */
    CONCURRENT
}
