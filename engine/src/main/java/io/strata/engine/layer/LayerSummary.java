package io.strata.engine.layer;

import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Block 0 of a layer file (FORMAT 9.1, 10.1): what the file is, whose it is, what it covers and where its index
 * is. Image and delta summaries share their first five fields and their last two.
 */
public interface LayerSummary {
    int magic();

    int formatVersion();

    TenantId tenantId();

    TimelineId timelineId();

    KeyRange keyRange();

    /** Absolute block where the index starts (u32). */
    long indexStartBlk();

    /** The B-tree root, relative to {@link #indexStartBlk()} (u32); the root is the file's last block. */
    long indexRootBlk();

    /** The logical layer name the summary describes. */
    LayerName layerName();

    /** The exact bincode bytes (no padding). */
    void encode(BincodeWriter w);

    /**
     * Neon's load-time check: this (in-file) summary must equal {@code expected} except for the index position
     * and the timeline id, which are taken from the file.
     *
     * @throws LayerSummaryMismatchException naming the first differing field and {@code path}
     */
    void validate(LayerSummary expected, Path path);

    /** The summary block as written at offset 0: the encoding, then zeros up to {@value LayerFormat#PAGE_SZ} bytes. */
    default ByteBuffer toBlock() {
        byte[] block = new byte[LayerFormat.PAGE_SZ];
        encode(new BincodeWriter(new UnsafeBuffer(block), 0));
        return ByteBuffer.wrap(block);
    }
}
