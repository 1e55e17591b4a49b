package io.strata.engine.layer;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code rewrite_summary}: replaces block 0 of an existing layer file in place, leaving every other byte
 * alone (used to re-home a layer, e.g. after a shard split changes its tenant or key range). The file is opened
 * read-write with O_DIRECT, the block is read and decoded (a wrong magic fails before anything is written), the
 * new summary is written over the whole block and the file is fsynced. Block caches are not consulted: readers
 * holding the file open keep the summary they loaded.
 */
public final class SummaryRewriter {
    private SummaryRewriter() {
    }

    public static <S extends LayerSummary> Mono<Void> rewrite(IoEngine engine, Path path, SummaryFormat<S> format,
                                                             Function<S, S> rewrite) {
        Objects.requireNonNull(rewrite, "rewrite");
        return Mono.usingWhen(engine.open(path, OpenMode.READ_WRITE),
                file -> Mono.usingWhen(Mono.fromSupplier(() -> AlignedBuffer.allocate(LayerFormat.PAGE_SZ,
                                file.alignment())),
                        buf -> rewriteBlock(file, buf, path, format, rewrite),
                        buf -> Mono.fromRunnable(buf::release),
                        (buf, e) -> Mono.fromRunnable(buf::release),
                        // after a cancel the engine releases a buffer still in the kernel; this one is unpooled,
                        // so leaving it to the garbage collector is always safe
                        buf -> Mono.empty()),
                DirectFile::close);
    }

    private static <S extends LayerSummary> Mono<Void> rewriteBlock(DirectFile file, AlignedBuffer buf, Path path,
                                                                   SummaryFormat<S> format, Function<S, S> rewrite) {
        return file.read(0, buf, LayerFormat.PAGE_SZ).flatMap(n -> {
            if (n < LayerFormat.PAGE_SZ) {
                return Mono.error(new LayerCorruptionException(path, "truncated: " + n
                        + " bytes, less than the " + LayerFormat.PAGE_SZ + "-byte summary block"));
            }
            S actual = format.decode(buf.view(), path);
            S updated = Objects.requireNonNull(rewrite.apply(actual), "rewritten summary");
            ByteBuffer block = updated.toBlock();
            buf.view().putBytes(0, block, 0, LayerFormat.PAGE_SZ);
            return file.writeAll(0, buf, LayerFormat.PAGE_SZ).then(file.fsync());
        });
    }
}
