package io.strata.perf;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The timeline getpage reads: {@code keys} 8 KiB pages of one relation in an image layer at LSN 0x10, and
 * {@code layers - 1} delta layers stacked above it over the same key range, delta {@code j} (at LSN
 * {@code 0x10 (j+1)}) holding a new full image of every key {@code k} with {@code k % layers == j}. A get at the top
 * LSN of key {@code k} therefore visits the deltas from the top down to its own (index lookups only) and reads one
 * 8 KiB value: one disk read per get, like fio's, while the read path plans across {@code layers} layers. The
 * first 8 bytes of each page say which key and layer it is, so every get is checked.
 */
final class GetPageDataset {
    static final int PAGE = 8192;
    static final Lsn BASE_LSN = Lsn.of(0x10);
    private static final TenantId TENANT = TenantId.parse("0123456789abcdef0123456789abcdef");
    private static final TimelineId TIMELINE = TimelineId.parse("fedcba9876543210fedcba9876543210");
    private static final int RANDOM_BYTES = 16 << 20;

    final Path dir;
    final int keys;
    final int layers;
    private final byte[] random;

    GetPageDataset(Path parent, int keys, int layers) {
        this.dir = parent.resolve("getpage-" + keys + "-keys-" + layers + "-layers");
        this.keys = keys;
        this.layers = layers;
        this.random = new byte[RANDOM_BYTES + PAGE];
        new SplittableRandom(0x6e7a).nextBytes(random);
    }

    static Key key(int i) {
        return new Key(0, 1663, 16384, 24576, 0, i);
    }

    KeyRange keyRange() {
        return new KeyRange(key(0), key(keys - 1).next());
    }

    /** The LSN every get reads at: the top of the stack. */
    Lsn readLsn() {
        return Lsn.of(0x10L * (layers + 1));
    }

    /** Which layer holds the newest page of key {@code i}: 0 for the base image, else the delta's number. */
    int layerOf(int i) {
        return i % layers;
    }

    /** The 8-byte stamp at the start of key {@code i}'s page in layer {@code layer}. */
    static long stamp(int i, int layer) {
        return ((long) layer << 32) | Integer.toUnsignedLong(i);
    }

    byte[] page(int i, int layer) {
        byte[] p = new byte[PAGE];
        int off = (int) ((i * 7919L + layer * 104729L) * 64 % RANDOM_BYTES);
        System.arraycopy(random, off, p, 0, PAGE);
        long s = stamp(i, layer);
        for (int b = 0; b < 8; b++) {
            p[b] = (byte) (s >>> (56 - 8 * b));
        }
        return p;
    }

    static long stampOf(byte[] page) {
        long s = 0;
        for (int b = 0; b < 8; b++) {
            s = (s << 8) | (page[b] & 0xFF);
        }
        return s;
    }

    List<LayerName> names() {
        List<LayerName> out = new ArrayList<>();
        out.add(new ImageLayerName(keyRange(), BASE_LSN));
        for (int j = 1; j < layers; j++) {
            out.add(new DeltaLayerName(keyRange(), Lsn.of(0x10L * (j + 1)), Lsn.of(0x10L * (j + 2))));
        }
        return out;
    }

    Path path(LayerName name) {
        return dir.resolve(name.toString());
    }

    /** The image layer's file (what fio reads). */
    Path imageFile() {
        return path(names().get(0));
    }

    /** Descriptions of the layers, writing (untimed) those that are missing or do not open cleanly. */
    List<PersistentLayerDesc> ensure(IoEngine engine, BlockCache cache, AlignedBufferPool writePool,
                                     Progress progress) throws Exception {
        Files.createDirectories(dir);
        List<PersistentLayerDesc> out = new ArrayList<>();
        LayerWriteContext ctx = new LayerWriteContext(engine, writePool, dir, TENANT, TIMELINE, Generation.none());
        List<LayerName> names = names();
        for (int j = 0; j < names.size(); j++) {
            LayerName name = names.get(j);
            Path p = path(name);
            if (!valid(engine, cache, name, p)) {
                progress.line("getpage: writing " + p + " (untimed)");
                write(ctx, j).block(Duration.ofHours(1));
            }
            out.add(new PersistentLayerDesc(name, Files.size(p)));
        }
        return out;
    }

    private static boolean valid(IoEngine engine, BlockCache cache, LayerName name, Path p) {
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try {
            Mono<? extends io.strata.engine.layer.LayerReader<?>> open = name.isDelta()
                    ? DeltaLayerReader.open(engine, cache, p, null) : ImageLayerReader.open(engine, cache, p, null);
            var r = open.block(Duration.ofMinutes(1));
            boolean same = r.summary().layerName().equals(name);
            r.close().block(Duration.ofMinutes(1));
            return same;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Mono<?> write(LayerWriteContext ctx, int layer) {
        if (layer == 0) {
            return ImageLayerWriter.write(ctx, keyRange(), BASE_LSN, ImageCompressionAlgorithm.DISABLED,
                    w -> Flux.range(0, keys).concatMap(i -> w.putImage(key(i), page(i, 0)), 1).then(w.finish()));
        }
        Lsn start = Lsn.of(0x10L * (layer + 1));
        Lsn end = Lsn.of(0x10L * (layer + 2));
        return DeltaLayerWriter.write(ctx, key(0), start, end,
                w -> Flux.range(0, keys).filter(i -> i % layers == layer)
                        .concatMap(i -> w.putValue(key(i), start, new Value.Image(page(i, layer))), 1)
                        .then(w.finish(keyRange().end())));
    }
}
