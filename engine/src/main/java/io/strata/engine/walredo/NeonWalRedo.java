package io.strata.engine.walredo;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * The built-in WAL redo manager: Neon's {@code PostgresRedoManager::request_redo} with its in-process half,
 * {@code apply_batch_neon} / {@code apply_neon.rs}, for every record that is not PostgreSQL's own: visibility map
 * flags and truncation, CLOG commit and abort, multixact offsets and members, AUX files (a no-op, as in Neon),
 * Neon's test record and Strata's {@link NeonWalRecord.Physical}.
 *
 * <p>As in Neon, the records are split into runs of Postgres and non-Postgres records, applied in order, each run
 * starting from the previous one's page. Postgres runs go to a {@link PostgresWalRedo}; the default,
 * {@link PostgresWalRedo#NONE}, fails them (Strata has no PostgreSQL wal-redo process).
 *
 * <p>Checks, as Neon's: a request needs records; a non-Postgres run needs a base image unless its first record
 * will_init (Neon's test harness rule; Neon's production manager always wants one, but its only will_init
 * non-Postgres record is the test record); each record checks its key and, where it indexes the page, the page's
 * length. Strata also refuses records that are not in ascending LSN order. Stateless and thread-safe.
 */
public final class NeonWalRedo implements WalRedoManager {
    private final PostgresWalRedo postgres;

    /** The built-in manager without PostgreSQL: a Postgres record fails the request. */
    public NeonWalRedo() {
        this(PostgresWalRedo.NONE);
    }

    /** The built-in manager handing runs of Postgres records to {@code postgres}. */
    public NeonWalRedo(PostgresWalRedo postgres) {
        this.postgres = Objects.requireNonNull(postgres, "postgres");
    }

    @Override
    public Mono<byte[]> redo(Key key, Lsn lsn, Optional<BaseImage> baseImage, List<LsnRecord> records) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(baseImage, "baseImage");
        List<LsnRecord> recs = List.copyOf(records);
        return Mono.defer(() -> {
            checkRequest(key, lsn, recs);
            Lsn baseImageLsn = baseImage.map(BaseImage::lsn).orElse(Lsn.INVALID);
            List<List<LsnRecord>> batches = batches(recs);
            Mono<byte[]> page = applyBatch(key, lsn, baseImage.map(BaseImage::page), baseImageLsn, batches.get(0));
            for (List<LsnRecord> batch : batches.subList(1, batches.size())) {
                page = page.flatMap(img -> applyBatch(key, lsn, Optional.of(img), baseImageLsn, batch));
            }
            return page;
        });
    }

    /**
     * The same redo, synchronously, for callers doing CPU work anyway: only built-in records (a Postgres record
     * fails as with {@link PostgresWalRedo#NONE}).
     *
     * @throws WalRedoException as {@link #redo} would signal it
     */
    public static byte[] applyBuiltin(Key key, Lsn lsn, Optional<BaseImage> baseImage, List<LsnRecord> records) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        List<LsnRecord> recs = List.copyOf(records);
        checkRequest(key, lsn, recs);
        Optional<byte[]> page = baseImage.map(BaseImage::page);
        for (List<LsnRecord> batch : batches(recs)) {
            if (!ApplyNeon.canApplyInNeon(batch.get(0).record())) {
                throw noPostgres(key, lsn, batch.get(0));
            }
            page = Optional.of(applyBatchNeon(key, lsn, page, batch));
        }
        return page.orElseThrow();
    }

    /** The failure of a Postgres record when no PostgreSQL wal-redo process is plugged in. */
    static WalRedoException noPostgres(Key key, Lsn lsn, LsnRecord record) {
        return new WalRedoException(key, lsn, record.lsn(), record.record(),
                "a PostgreSQL WAL record needs a PostgreSQL wal-redo process, and Strata has none (its built-in "
                        + "redo applies only Neon's own records and Strata's Physical record)", null);
    }

    private Mono<byte[]> applyBatch(Key key, Lsn lsn, Optional<byte[]> image, Lsn baseImageLsn,
            List<LsnRecord> batch) {
        LsnRecord first = batch.get(0);
        if (ApplyNeon.canApplyInNeon(first.record())) {
            return Mono.fromCallable(() -> applyBatchNeon(key, lsn, image, batch));
        }
        return Mono.defer(() -> postgres.applyBatch(key, lsn, image, baseImageLsn, batch))
                .switchIfEmpty(Mono.error(() -> new WalRedoException(key, lsn, first.lsn(), first.record(),
                        "the PostgreSQL wal-redo returned no page", null)))
                .onErrorMap(e -> !(e instanceof WalRedoException), e -> new WalRedoException(key, lsn, first.lsn(),
                        first.record(), "PostgreSQL wal-redo of " + batch.size() + " records failed: " + e, e));
    }

    /** Neon's {@code apply_batch_neon}, with the test harness's will_init rule. */
    static byte[] applyBatchNeon(Key key, Lsn lsn, Optional<byte[]> image, List<LsnRecord> batch) {
        LsnRecord first = batch.get(0);
        Page page;
        if (image.isPresent()) {
            page = Page.copyOf(image.get());
        } else if (first.record().willInit()) {
            page = new Page();
        } else {
            throw new WalRedoException(key, lsn, first.lsn(), first.record(),
                    "invalid neon WAL redo request with no base image (and the first record does not will_init)",
                    null);
        }
        for (LsnRecord r : batch) {
            try {
                ApplyNeon.apply(r.record(), r.lsn(), key, page);
            } catch (RedoFailure e) {
                throw new WalRedoException(key, lsn, r.lsn(), r.record(), e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new WalRedoException(key, lsn, r.lsn(), r.record(), "unexpected error: " + e, e);
            }
        }
        return page.toByteArray();
    }

    private static void checkRequest(Key key, Lsn lsn, List<LsnRecord> records) {
        if (records.isEmpty()) {
            throw new WalRedoException(key, lsn, "invalid WAL redo request with no records");
        }
        for (int i = 1; i < records.size(); i++) {
            LsnRecord r = records.get(i);
            Lsn previous = records.get(i - 1).lsn();
            if (r.lsn().compareTo(previous) <= 0) {
                throw new WalRedoException(key, lsn, r.lsn(), r.record(),
                        "records must be in ascending LSN order, but this one follows a record at " + previous
                                + " (a read path collects records newest first and must reverse them)", null);
            }
        }
    }

    /** Runs of records that can, or cannot, be applied in-process ({@code can_apply_in_neon}). */
    private static List<List<LsnRecord>> batches(List<LsnRecord> records) {
        List<List<LsnRecord>> batches = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= records.size(); i++) {
            if (i == records.size() || ApplyNeon.canApplyInNeon(records.get(i).record())
                    != ApplyNeon.canApplyInNeon(records.get(start).record())) {
                batches.add(records.subList(start, i));
                start = i;
            }
        }
        return batches;
    }
}
