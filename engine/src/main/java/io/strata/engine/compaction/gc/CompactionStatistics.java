package io.strata.engine.compaction.gc;

import io.strata.engine.key.Key;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.util.Locale;

/**
 * Neon's {@code CompactionStatistics} of one gc-compaction job, serialized with Neon's field names
 * ({@link #toJson}). Updated by the one job that owns it, read once it is done.
 */
public final class CompactionStatistics {
    /** Neon's {@code size_of::<NeonWalRecord>()}, the estimate for a record that is not a Postgres one. */
    static final long NEON_WAL_RECORD_SIZE = 40;

    /** A count and a size in bytes (Neon's {@code CompactionStatisticsNumSize}). */
    public record NumSize(long num, long size) {
        NumSize add(long bytes) {
            return new NumSize(num + 1, size + bytes);
        }

        String toJson() {
            return "{\"num\":" + num + ",\"size\":" + size + "}";
        }
    }

    private static final NumSize ZERO = new NumSize(0, 0);

    NumSize deltaLayerVisited = ZERO;
    NumSize imageLayerVisited = ZERO;
    NumSize deltaLayerProduced = ZERO;
    NumSize imageLayerProduced = ZERO;
    NumSize deltaLayerDiscarded = ZERO;
    NumSize imageLayerDiscarded = ZERO;
    long numUniqueKeysVisited;
    NumSize walKeysVisited = ZERO;
    NumSize imageKeysVisited = ZERO;
    NumSize walProduced = ZERO;
    NumSize imageProduced = ZERO;
    double timeAcquireLockSecs;
    double timeAnalyzeSecs;
    double timeDownloadLayerSecs;
    double timeToFirstKvPairSecs;
    double timeMainLoopSecs;
    double timeFinalPhaseSecs;
    double timeTotalSecs;
    double uncompressedRetentionRatio;
    double compressedRetentionRatio;

    static long estimatedSizeOfValue(Value v) {
        if (v instanceof Value.Image img) {
            return img.bytes().length;
        }
        NeonWalRecord r = ((Value.WalRecord) v).record();
        return r instanceof NeonWalRecord.Postgres p ? p.rec().length : NEON_WAL_RECORD_SIZE;
    }

    void visitDeltaLayer(long size) {
        deltaLayerVisited = deltaLayerVisited.add(size);
    }

    void visitImageLayer(long size) {
        imageLayerVisited = imageLayerVisited.add(size);
    }

    void onUniqueKeyVisited() {
        numUniqueKeysVisited++;
    }

    void visitKey(Value v) {
        long bytes = estimatedSizeOfValue(v) + Key.KEY_SIZE;
        if (v instanceof Value.Image) {
            imageKeysVisited = imageKeysVisited.add(bytes);
        } else {
            walKeysVisited = walKeysVisited.add(bytes);
        }
    }

    void produceKey(Value v) {
        if (v instanceof Value.Image img) {
            produceImageKey(img.bytes());
        } else {
            walProduced = walProduced.add(estimatedSizeOfValue(v) + Key.KEY_SIZE);
        }
    }

    void produceImageKey(byte[] img) {
        imageProduced = imageProduced.add(img.length + Key.KEY_SIZE);
    }

    void discardDeltaLayer(long originalSize) {
        deltaLayerDiscarded = deltaLayerDiscarded.add(originalSize);
    }

    void discardImageLayer(long originalSize) {
        imageLayerDiscarded = imageLayerDiscarded.add(originalSize);
    }

    void produceDeltaLayer(long size) {
        deltaLayerProduced = deltaLayerProduced.add(size);
    }

    void produceImageLayer(long size) {
        imageLayerProduced = imageLayerProduced.add(size);
    }

    /** Neon's {@code finalize}: the retention ratios (discarded layers count as produced: they stay). */
    void finish() {
        long original = imageKeysVisited.size() + walKeysVisited.size();
        long produced = imageProduced.size() + walProduced.size();
        uncompressedRetentionRatio = produced / (original + 1.0);
        long originalPhysical = imageLayerVisited.size() + deltaLayerVisited.size();
        long producedPhysical = imageLayerProduced.size() + deltaLayerProduced.size() + imageLayerDiscarded.size()
                + deltaLayerDiscarded.size();
        compressedRetentionRatio = producedPhysical / (originalPhysical + 1.0);
    }

    public NumSize deltaLayerVisited() {
        return deltaLayerVisited;
    }

    public NumSize imageLayerVisited() {
        return imageLayerVisited;
    }

    public NumSize deltaLayerProduced() {
        return deltaLayerProduced;
    }

    public NumSize imageLayerProduced() {
        return imageLayerProduced;
    }

    public NumSize deltaLayerDiscarded() {
        return deltaLayerDiscarded;
    }

    public NumSize imageLayerDiscarded() {
        return imageLayerDiscarded;
    }

    public long numUniqueKeysVisited() {
        return numUniqueKeysVisited;
    }

    public NumSize walKeysVisited() {
        return walKeysVisited;
    }

    public NumSize imageKeysVisited() {
        return imageKeysVisited;
    }

    public NumSize walProduced() {
        return walProduced;
    }

    public NumSize imageProduced() {
        return imageProduced;
    }

    public double uncompressedRetentionRatio() {
        return uncompressedRetentionRatio;
    }

    public double compressedRetentionRatio() {
        return compressedRetentionRatio;
    }

    /** Neon's JSON ({@code serde_json::to_string} of the struct): field names and order as Neon's. */
    public String toJson() {
        return "{\"delta_layer_visited\":" + deltaLayerVisited.toJson()
                + ",\"image_layer_visited\":" + imageLayerVisited.toJson()
                + ",\"delta_layer_produced\":" + deltaLayerProduced.toJson()
                + ",\"image_layer_produced\":" + imageLayerProduced.toJson()
                + ",\"delta_layer_discarded\":" + deltaLayerDiscarded.toJson()
                + ",\"image_layer_discarded\":" + imageLayerDiscarded.toJson()
                + ",\"num_unique_keys_visited\":" + numUniqueKeysVisited
                + ",\"wal_keys_visited\":" + walKeysVisited.toJson()
                + ",\"image_keys_visited\":" + imageKeysVisited.toJson()
                + ",\"wal_produced\":" + walProduced.toJson()
                + ",\"image_produced\":" + imageProduced.toJson()
                + ",\"time_acquire_lock_secs\":" + num(timeAcquireLockSecs)
                + ",\"time_analyze_secs\":" + num(timeAnalyzeSecs)
                + ",\"time_download_layer_secs\":" + num(timeDownloadLayerSecs)
                + ",\"time_to_first_kv_pair_secs\":" + num(timeToFirstKvPairSecs)
                + ",\"time_main_loop_secs\":" + num(timeMainLoopSecs)
                + ",\"time_final_phase_secs\":" + num(timeFinalPhaseSecs)
                + ",\"time_total_secs\":" + num(timeTotalSecs)
                + ",\"uncompressed_retention_ratio\":" + num(uncompressedRetentionRatio)
                + ",\"compressed_retention_ratio\":" + num(compressedRetentionRatio) + "}";
    }

    private static String num(double d) {
        // serde_json writes finite f64 in their shortest form; 0.0 stays "0.0"
        return String.format(Locale.ROOT, "%s", d);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
