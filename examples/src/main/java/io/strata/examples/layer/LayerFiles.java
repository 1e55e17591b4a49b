package io.strata.examples.layer;

import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerSummary;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the {@code strata layer} commands share: kind detection, an io session, opening readers, error lines. */
final class LayerFiles {
    /** Upper bound for one engine operation (open, rewrite, finish); a stuck device fails instead of hanging. */
    static final Duration T = Duration.ofMinutes(5);

    private LayerFiles() {
    }

    /** The two layer kinds, named as in the JSON ({@code "kind"}) and on the command line. */
    enum Kind {
        IMAGE("image"), DELTA("delta");

        final String json;

        Kind(String json) {
            this.json = json;
        }

        static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.json.equals(s)) {
                    return k;
                }
            }
            throw new LayerCliException("--kind: expected image or delta, got '" + s + "'");
        }
    }

    /**
     * The kind of the layer at {@code file}, from the magic at the start of block 0 (not from the name).
     *
     * @throws LayerCliException "{@code <file>: <reason>}" for a missing or unreadable file, one shorter than
     *                           the summary block, or a magic that is neither an image's nor a delta's
     */
    static Kind detect(Path file) {
        if (Files.isDirectory(file)) {
            throw new LayerCliException(file + ": is a directory, not a layer file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < LayerFormat.PAGE_SZ) {
                throw new LayerCliException(file + ": not a layer file: " + size + " bytes, less than the "
                        + LayerFormat.PAGE_SZ + "-byte summary block");
            }
            ByteBuffer magic = ByteBuffer.allocate(2);
            while (magic.hasRemaining() && ch.read(magic, magic.position()) > 0) {
                // read the two magic bytes
            }
            int m = magic.getShort(0) & 0xFFFF;
            return switch (m) {
                case LayerFormat.IMAGE_FILE_MAGIC -> Kind.IMAGE;
                case LayerFormat.DELTA_FILE_MAGIC -> Kind.DELTA;
                default -> throw new LayerCliException(String.format(
                        "%s: not a layer file: magic 0x%04X is neither 0x%04X (image) nor 0x%04X (delta)", file, m,
                        LayerFormat.IMAGE_FILE_MAGIC, LayerFormat.DELTA_FILE_MAGIC));
            };
        } catch (IOException e) {
            throw fileError(file, e);
        }
    }

    /** The one-line error for a failure while working on {@code file}: "{@code <file>: <reason>}". */
    static LayerCliException fileError(Path file, Throwable t) {
        Throwable e = Exceptions.unwrap(t);
        if (e instanceof LayerCliException c) {
            return c;
        }
        String reason;
        if (e instanceof LayerCorruptionException c) {
            String prefix = "corrupt layer file " + c.path() + ": ";
            String m = c.getMessage();
            reason = "corrupt layer: " + (m.startsWith(prefix) ? m.substring(prefix.length()) : m);
        } else if (e instanceof NoSuchFileException) {
            reason = "no such file";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else {
            reason = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return new LayerCliException(file + ": " + reason, e);
    }

    /** An io engine with read buffers and a block cache for files in one directory; close when done. */
    static final class Session implements AutoCloseable {
        final IoConfig config;
        final IoEngine engine;
        final AlignedBufferPool cachePool;
        final BlockCache cache;
        /** Buffers for the iterators' planned reads (larger reads get their own buffer). */
        final AlignedBufferPool readPool;
        /** The iterators' read planning: 1 MiB reads of at most 1024 values. */
        final IteratorOptions iteratorOptions = new IteratorOptions(1 << 20, 1024);
        private AlignedBufferPool writePool;

        /** @param dirs the directories whose files the session reads or writes (buffers suit them all) */
        Session(Path... dirs) {
            int alignment = Alignment.MIN;
            for (Path d : dirs) {
                alignment = Math.max(alignment, Alignment.forDirectory(d));
            }
            this.config = IoConfig.defaults().withAlignment(alignment);
            this.engine = IoEngines.create(config);
            this.cachePool = new AlignedBufferPool(BlockCache.BLOCK_SIZE, 64, config.alignment());
            this.cache = new BlockCache(64, cachePool);
            this.readPool = new AlignedBufferPool((1 << 20) + 2 * config.alignment(), 4, config.alignment());
        }

        /** The layer writers' 64 KiB write-back buffers. */
        AlignedBufferPool writePool() {
            if (writePool == null) {
                writePool = new AlignedBufferPool(64 * 1024, 8, config.alignment());
            }
            return writePool;
        }

        /** Opens the layer at {@code file} (kind from its magic) without an expected summary. */
        OpenLayer open(Path file) {
            Kind kind = detect(file);
            try {
                return kind == Kind.IMAGE
                        ? new OpenLayer(file, ImageLayerReader.open(engine, cache, file, null).block(T), null)
                        : new OpenLayer(file, null, DeltaLayerReader.open(engine, cache, file, null).block(T));
            } catch (RuntimeException e) {
                throw fileError(file, e);
            }
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /** An open image or delta layer. */
    static final class OpenLayer implements AutoCloseable {
        final Path file;
        final ImageLayerReader image;
        final DeltaLayerReader delta;

        OpenLayer(Path file, ImageLayerReader image, DeltaLayerReader delta) {
            this.file = file;
            this.image = image;
            this.delta = delta;
        }

        Kind kind() {
            return image != null ? Kind.IMAGE : Kind.DELTA;
        }

        LayerSummary summary() {
            return image != null ? image.summary() : delta.summary();
        }

        /** Every entry in file order; errors name the file. */
        Flux<LayerEntry> entries(AlignedBufferPool pool, IteratorOptions options) {
            return Flux.defer(() -> image != null ? image.iterator(pool, options) : delta.iterator(pool, options))
                    .onErrorMap(e -> fileError(file, e));
        }

        @Override
        public void close() {
            Mono<Void> close = image != null ? image.close() : delta.close();
            close.block(T);
        }
    }
}
