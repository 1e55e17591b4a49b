package io.strata.engine.read;

import io.strata.engine.walredo.BaseImage;
import io.strata.engine.walredo.LsnRecord;
import java.util.List;
import java.util.Optional;

/**
 * What the read path collected for one key (Neon's {@code ValueReconstructState}): WAL records newest first, and
 * the image they apply to, if one was found. Without an image the oldest record must initialize the page.
 *
 * @param records WAL records, newest first
 * @param img     the newest image at or below the oldest record, if any
 */
public record ValueReconstructState(List<LsnRecord> records, Optional<BaseImage> img) {
    public ValueReconstructState {
        records = List.copyOf(records);
    }

    /** Number of records applied to the image (the will_init record does not count when there is no image). */
    public int numDeltas() {
        return img.isPresent() || records.isEmpty() ? records.size() : records.size() - 1;
    }
}
