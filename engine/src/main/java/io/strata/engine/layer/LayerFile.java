package io.strata.engine.layer;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * An open layer file with its checked summary: the part image and delta readers share. Opening reads block 0
 * through the cache and checks, before anything trusts the summary, that the file is long enough for the summary
 * block and for the index it points at, so a truncated or garbled file fails at open with a message naming it
 * rather than later inside a read.
 *
 * @param <S> the summary type
 */
public final class LayerFile<S extends LayerSummary> {
    private final Path path;
    private final DirectFile file;
    private final BlockCache cache;
    private final S summary;
    private final long fileSize;
    private final DiskBtreeReader index;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LayerFile(Path path, DirectFile file, BlockCache cache, S summary, long fileSize, int keyLen) {
        this.path = path;
        this.file = file;
        this.cache = cache;
        this.summary = summary;
        this.fileSize = fileSize;
        this.index = new DiskBtreeReader(new CachedBlockReader(cache, file), summary.indexStartBlk(),
                summary.indexRootBlk(), keyLen);
    }

    /**
     * Opens {@code path}, decodes its summary and, when {@code expected} is given, validates it (Neon's rule:
     * everything but the index position and the timeline id must match). The file is closed again on any failure
     * or cancellation.
     */
    public static <S extends LayerSummary> Mono<LayerFile<S>> open(IoEngine engine, BlockCache cache, Path path,
                                                                  SummaryFormat<S> format, S expected) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        return engine.open(path, OpenMode.READ).flatMap(file -> load(file, cache, path, format, expected)
                .onErrorResume(e -> closeQuietly(file, cache).then(Mono.error(e)))
                .doOnCancel(() -> closeQuietly(file, cache).subscribe()));
    }

    private static <S extends LayerSummary> Mono<LayerFile<S>> load(DirectFile file, BlockCache cache, Path path,
                                                                   SummaryFormat<S> format, S expected) {
        return file.size().flatMap(size -> {
            if (size < LayerFormat.PAGE_SZ) {
                return Mono.error(new LayerCorruptionException(path, "truncated: " + size
                        + " bytes, less than the " + LayerFormat.PAGE_SZ + "-byte summary block"));
            }
            return cache.get(file, 0).map(block -> {
                S summary = format.decode(block, path);
                if (expected != null) {
                    summary.validate(expected, path);
                }
                checkIndexInFile(summary, size, path);
                return new LayerFile<>(path, file, cache, summary, size, format.indexKeyLen());
            });
        });
    }

    /** The index must start after the summary, and its root (its last block) must lie inside the file. */
    private static void checkIndexInFile(LayerSummary s, long size, Path path) {
        long start = s.indexStartBlk();
        long root = s.indexRootBlk();
        if (start < 1) {
            throw new LayerCorruptionException(path, "index_start_blk " + start + " overlaps the summary block");
        }
        long blocks = size / LayerFormat.PAGE_SZ;
        long indexEnd = start + root + 1;
        if (indexEnd > blocks) {
            throw new LayerCorruptionException(path, "index_start_blk " + start + " + index_root_blk " + root
                    + " points past the end of the file (" + size + " bytes, " + blocks
                    + " whole blocks): truncated, or a corrupt summary");
        }
    }

    public Path path() {
        return path;
    }

    /** The open file, for value reads. */
    public DirectFile file() {
        return file;
    }

    public BlockCache cache() {
        return cache;
    }

    public S summary() {
        return summary;
    }

    /** The file size seen at open. */
    public long fileSize() {
        return fileSize;
    }

    /** The B-tree index, reading absolute blocks through the cache. */
    public DiskBtreeReader index() {
        return index;
    }

    /** Where the values region ends (block padding included): the index's first byte. */
    public long valuesEnd() {
        return summary.indexStartBlk() * LayerFormat.PAGE_SZ;
    }

    /** Drops the file's cached blocks and closes it. Idempotent. */
    public Mono<Void> close() {
        return Mono.defer(() -> closed.compareAndSet(false, true) ? closeQuietly(file, cache) : Mono.empty());
    }

    private static Mono<Void> closeQuietly(DirectFile file, BlockCache cache) {
        return Mono.defer(() -> {
            cache.invalidateFile(file.id());
            return file.close();
        }).onErrorResume(e -> Mono.empty());
    }

    @Override
    public String toString() {
        return "LayerFile{" + path + ", " + summary + '}';
    }
}
