package io.strata.engine.layer;

import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.value.Value;
import io.strata.engine.value.ValueCodec;
import io.strata.engine.vectored.BlobMeta;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredBlobs;
import io.strata.engine.vectored.VectoredRead;
import io.strata.engine.vectored.VectoredReadException;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Executes the planned value reads of one layer file in plan order with bounded lookahead: what the image and
 * delta iterators (Neon's {@code ImageLayerIterator}/{@code DeltaLayerIterator}) and the image {@code filter}
 * share.
 *
 * <p><b>Hops.</b> Planned reads go to the file a hop at a time: one {@link VectoredBlobReader#readAll} batch of
 * reads worth about {@value #HOP_BYTES} bytes (at least one read). A hop's reads complete in any order; each is
 * turned by {@code onRead} into a result that no longer needs the read buffer as soon as it completes, its buffer
 * is released at once, and the results are put back in plan order. Pool buffers are thus held only while I/O is
 * in flight, and a cancel or an error leaves none leased (the reader releases what is in flight).
 *
 * <p><b>Backpressure.</b> Up to {@code hopsInFlight} hops are read while the current one is consumed, never more: a
 * subscriber that requests ten entries of a huge layer causes at most {@code hopsInFlight + 1} hops of reads, and
 * the index is streamed only as far as those hops need. With one hop in flight the next hop is planned (index
 * blocks read) and submitted only when the previous one has landed, so the disk sees a single read at a time;
 * two or more overlap the planning and keep reads queued at the device. If a hop fails, results of its earlier
 * reads are not delivered; the error ends the stream.
 */
public final class LayerIteration {
    /** About how many bytes one hop reads: bounds the lookahead (and the decoded values held) per iterator. */
    public static final long HOP_BYTES = 512 * 1024;

    private LayerIteration() {
    }

    /**
     * Runs {@code plan} against {@code file} and emits {@code onRead(blobs)} for every read, in plan order.
     * {@code onRead} runs when a read completes, possibly out of order; the blobs are released right after it
     * returns (or throws), so its result must not keep views of them. Planning errors (a corrupt index, entries
     * that are not back to back) become {@link LayerCorruptionException}s naming {@code path}.
     *
     * @param maxReadSize the planner's read size, which sizes the hops
     * @param hopsInFlight hops read ahead of the consumer (see {@link IteratorOptions#hopsInFlight()})
     */
    public static <T> Flux<T> inPlanOrder(Path path, DirectFile file, Flux<VectoredRead> plan, AlignedBufferPool pool,
                                          long maxReadSize, int hopsInFlight, long valuesEnd,
                                          Function<VectoredBlobs, T> onRead) {
        int hop = readsPerHop(pool, maxReadSize);
        VectoredBlobReader reader = new VectoredBlobReader(pool, hop);
        Flux<List<VectoredRead>> hops = plan.<VectoredRead>handle((read, sink) -> {
                    String beyond = beyondValues(read, valuesEnd);
                    if (beyond != null) {
                        sink.error(new LayerCorruptionException(path, "index: " + beyond));
                    } else {
                        sink.next(read);
                    }
                })
                .onErrorMap(LayerIteration::isPlanningError, e -> corruptIndex(path, e))
                .buffer(hop);
        Flux<List<T>> read = hopsInFlight <= 1 ? hops.concatMap(reads -> readHop(reader, file, reads, onRead), 0)
                : hops.flatMapSequential(reads -> readHop(reader, file, reads, onRead), hopsInFlight, 1);
        return read.concatMapIterable(results -> results, 1);
    }

    /** One entry per value, in order: the per-read lists of {@link #inPlanOrder} flattened without extra lookahead. */
    public static Flux<LayerEntry> entries(Flux<List<LayerEntry>> batches) {
        return batches.concatMapIterable(batch -> batch, 1);
    }

    /** Image blobs as {@code Value.Image}s copied out of the read buffer, with the layer's LSN (the plan's). */
    public static List<LayerEntry> images(VectoredBlobs blobs) {
        List<LayerEntry> out = new ArrayList<>(blobs.size());
        for (int i = 0; i < blobs.size(); i++) {
            BlobMeta m = blobs.meta(i);
            out.add(new LayerEntry(m.key(), m.lsn(), new Value.Image(blobs.blobBytes(i))));
        }
        return out;
    }

    /** Delta blobs decoded as {@link Value}s (strictly: trailing bytes are corruption). */
    public static List<LayerEntry> values(Path path, VectoredBlobs blobs) {
        List<LayerEntry> out = new ArrayList<>(blobs.size());
        for (int i = 0; i < blobs.size(); i++) {
            BlobMeta m = blobs.meta(i);
            DirectBuffer blob = blobs.blob(i);
            Value value;
            try {
                value = ValueCodec.deserialize(blob, 0, blob.capacity());
            } catch (RuntimeException e) {
                throw new VectoredReadException(path, m.offset(), "blob at offset " + m.offset() + " (key "
                        + m.key() + ", lsn " + m.lsn() + ") is not a valid Value: " + e.getMessage(), e);
            }
            out.add(new LayerEntry(m.key(), m.lsn(), value));
        }
        return out;
    }

    /** An index that cannot be walked or planned, as the layer's corruption. */
    public static LayerCorruptionException corruptIndex(Path path, Throwable e) {
        return e instanceof LayerCorruptionException c ? c
                : new LayerCorruptionException(path, "index: " + e.getMessage(), e);
    }

    /**
     * A read that a damaged index planned past the values region (which ends where the index starts): refused before
     * any buffer is sized for it, so a wild offset cannot make a read of gigabytes.
     *
     * @return what is wrong, or null
     */
    public static String beyondValues(VectoredRead read, long valuesEnd) {
        if (read.start() < 0 || read.end() > valuesEnd || read.start() > read.end()) {
            return "read [" + read.start() + ", " + read.end() + ") is outside the values region, which ends at "
                    + valuesEnd;
        }
        return null;
    }

    /** B-tree damage, or the planners' complaint about offsets that do not follow each other. */
    public static boolean isPlanningError(Throwable e) {
        return e instanceof BtreeCorruptionException || e instanceof IllegalArgumentException;
    }

    /**
     * Reads per hop: {@link #HOP_BYTES} worth, at least one, at most {@link VectoredBlobReader#DEFAULT_MAX_BATCH}
     * and half the pool, so one iterator leaves buffers for others.
     */
    static int readsPerHop(AlignedBufferPool pool, long maxReadSize) {
        long byBytes = Math.max(1, HOP_BYTES / Math.max(1, maxReadSize));
        long cap = Math.max(1, Math.min(VectoredBlobReader.DEFAULT_MAX_BATCH, pool.capacity() / 2));
        return (int) Math.min(byBytes, cap);
    }

    /**
     * One hop, read to the end as soon as it is subscribed whatever the demand: {@code concatMap} subscribes the next
     * hop when the previous one completes, before anyone asks for it, and a hop waiting for demand would keep its
     * completed reads, buffers included, in the read batch. Several iterators sharing a pool (a merge) then starve
     * it: each holds buffers the one the merge waits for needs.
     */
    private static <T> Mono<List<T>> readHop(VectoredBlobReader reader, DirectFile file, List<VectoredRead> reads,
                                             Function<VectoredBlobs, T> onRead) {
        Mono<List<T>> hop = readHopLazily(reader, file, reads, onRead);
        return Mono.create(sink -> sink.onCancel(hop.contextWrite(sink.contextView())
                .subscribe(sink::success, sink::error)));
    }

    private static <T> Mono<List<T>> readHopLazily(VectoredBlobReader reader, DirectFile file,
                                                   List<VectoredRead> reads, Function<VectoredBlobs, T> onRead) {
        return reader.readAll(file, reads)
                // the blob reader refuses a read the index planned impossibly (too large, misordered): a damaged index
                .onErrorMap(IllegalArgumentException.class::isInstance, e -> corruptIndex(file.path(), e))
                .map(blobs -> new Done<>(blobs.sequence(), applyAndRelease(blobs, onRead)))
                .collectList()
                .map(done -> {
                    Object[] ordered = new Object[reads.size()];
                    for (Done<T> d : done) {
                        ordered[d.sequence()] = d.result();
                    }
                    @SuppressWarnings("unchecked")
                    List<T> list = (List<T>) Arrays.asList(ordered);
                    return list;
                });
    }

    private static <T> T applyAndRelease(VectoredBlobs blobs, Function<VectoredBlobs, T> onRead) {
        try {
            return onRead.apply(blobs);
        } finally {
            blobs.release();
        }
    }

    /** A completed read's result and its position in the hop. */
    private record Done<T>(int sequence, T result) {
    }
}
