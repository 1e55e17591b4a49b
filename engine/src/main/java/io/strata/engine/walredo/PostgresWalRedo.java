package io.strata.engine.walredo;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * The PostgreSQL half of Neon's {@code request_redo}: applies a batch of {@code NeonWalRecord.Postgres} records,
 * which only a PostgreSQL wal-redo process can replay ({@code apply_batch_postgres}). {@link NeonWalRedo} splits
 * a request into runs of Postgres and non-Postgres records, as Neon does, and hands each Postgres run to this.
 *
 * <p>Strata has no such process: {@link #NONE} fails each batch with a {@link WalRedoException}. A real one would
 * talk to the process asynchronously (the Mono must not block a Reactor thread).
 */
@FunctionalInterface
public interface PostgresWalRedo {

    /** No PostgreSQL process: every Postgres record fails the request, naming the first one of its batch. */
    PostgresWalRedo NONE = (key, lsn, image, baseImageLsn, records) ->
            Mono.error(NeonWalRedo.noPostgres(key, lsn, records.get(0)));

    /**
     * Applies {@code records} (all {@code NeonWalRecord.Postgres}, ascending LSNs) over {@code image}.
     *
     * @param image the page so far: the base image, or the previous batch's result; absent when there is no base
     *     image (the first record must then will_init). Lent: do not modify it
     * @param baseImageLsn the request's base image LSN, or {@link Lsn#INVALID} (Neon logs it on failure)
     * @return the new page
     */
    Mono<byte[]> applyBatch(Key key, Lsn lsn, Optional<byte[]> image, Lsn baseImageLsn, List<LsnRecord> records);
}
