package io.strata.engine.walredo;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Reconstructs a page from its base image and the WAL records above it (Neon's {@code WalRedoManager} /
 * {@code request_redo}). Pluggable: {@link NeonWalRedo} is the built-in manager (every record but PostgreSQL's own);
 * a manager backed by a PostgreSQL wal-redo process can be plugged into it ({@link PostgresWalRedo}) or implement
 * this interface.
 */
public interface WalRedoManager {

    /**
     * Applies {@code records} over {@code baseImage} and returns the page at {@code lsn}.
     *
     * <p>The returned Mono is lazy (nothing happens before subscription) and never blocks: built-in redo is short
     * CPU work on one page, done inline in the subscriber's thread. Errors are {@link WalRedoException}s naming
     * the key, {@code lsn} and, when a record is to blame, its LSN and variant.
     *
     * @param key the page's key
     * @param lsn the LSN the page is requested at (for messages; the records decide the result)
     * @param baseImage the newest image below the records; may be absent when the first record will_init
     * @param records in ascending LSN order: the read path collects them newest first and reverses the list
     *     before calling, as Neon's {@code reconstruct_value} does
     * @return the page; a new array, never {@code baseImage}'s
     */
    Mono<byte[]> redo(Key key, Lsn lsn, Optional<BaseImage> baseImage, List<LsnRecord> records);
}
