package io.strata.engine.walredo;

/**
 * Why one record could not be applied, without the context: {@link NeonWalRedo} turns it into a
 * {@link WalRedoException} naming the key, the request LSN and the record.
 */
final class RedoFailure extends RuntimeException {
    RedoFailure(String message) {
        super(message);
    }
}
