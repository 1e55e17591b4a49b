package io.strata.engine.walredo;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.util.Objects;
import java.util.Optional;

/**
 * A page could not be reconstructed. The message names the key, the request LSN and, when one record is to blame,
 * that record's LSN and variant, then the reason:
 * {@code WAL redo of key 62...01 at LSN 0/50 failed at record 0/30 (Test): the current image does not match the
 * expected image, cannot append}.
 */
public final class WalRedoException extends RuntimeException {
    private final Key key;
    private final Lsn lsn;
    private final Lsn recordLsn;
    private final String recordVariant;
    private final String reason;

    /** A failure of the request as a whole (no records, records out of order). */
    public WalRedoException(Key key, Lsn lsn, String reason) {
        this(key, lsn, null, (String) null, reason, null);
    }

    /** A failure at one record; {@code cause} may be null. */
    public WalRedoException(Key key, Lsn lsn, Lsn recordLsn, NeonWalRecord record, String reason, Throwable cause) {
        this(key, lsn, Objects.requireNonNull(recordLsn, "recordLsn"), variantName(record), reason, cause);
    }

    private WalRedoException(Key key, Lsn lsn, Lsn recordLsn, String recordVariant, String reason, Throwable cause) {
        super("WAL redo of key " + key + " at LSN " + lsn + " failed"
                + (recordLsn == null ? "" : " at record " + recordLsn + " (" + recordVariant + ")") + ": " + reason,
                cause);
        this.key = Objects.requireNonNull(key, "key");
        this.lsn = Objects.requireNonNull(lsn, "lsn");
        this.recordLsn = recordLsn;
        this.recordVariant = recordVariant;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The variant's name as it appears in messages: {@code Postgres}, {@code ClogSetCommitted}, ... */
    public static String variantName(NeonWalRecord record) {
        return record.getClass().getSimpleName();
    }

    /** The key being reconstructed. */
    public Key key() {
        return key;
    }

    /** The LSN the page was requested at. */
    public Lsn lsn() {
        return lsn;
    }

    /** The LSN of the record that failed, if one did. */
    public Optional<Lsn> recordLsn() {
        return Optional.ofNullable(recordLsn);
    }

    /** The variant of the record that failed ({@link #variantName}), if one did. */
    public Optional<String> recordVariant() {
        return Optional.ofNullable(recordVariant);
    }

    /** The reason alone, without the context. */
    public String reason() {
        return reason;
    }
}
