package io.strata.engine.layer;

import java.util.Optional;

import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;

/**
 * The logical identity of a layer file (Neon's {@code LayerName}): its key range and LSN or LSN range. The
 * physical file name adds a generation suffix ({@link #localFileName}). Image names order before delta
 * names, then by their fields, as Neon's derived order.
 */
public sealed interface LayerName extends Comparable<LayerName> permits ImageLayerName, DeltaLayerName {
    /** Name suffix of files still being written. */
    String TEMP_FILE_SUFFIX = "___temp";

    KeyRange keyRange();

    /** Start of the LSN range covered; an image at L covers [L, L+1). */
    Lsn lsnStart();

    /** Exclusive end of the LSN range covered. */
    Lsn lsnEnd();

    boolean isDelta();

    /** {@code "image"} or {@code "delta"}. */
    default String kind() {
        return isDelta() ? "delta" : "image";
    }

    /** File name in a timeline directory: the name plus {@code -v1-%08x}, or just the name without generation. */
    default String localFileName(Generation generation) {
        return this + generation.localSuffix();
    }

    /** Last path element of the remote object: the name plus {@code -%08x}, or just the name. */
    default String remoteFileName(Generation generation) {
        return this + generation.remoteSuffix();
    }

    /**
     * Parses a layer name or a physical layer file name; the generation suffix is accepted and dropped
     * (FORMAT 5.3: exactly one of the delta and image parsers must succeed).
     *
     * @throws IllegalArgumentException naming the input if it is neither, or (where Neon aborts) both
     */
    static LayerName parse(String fileName) {
        Optional<DeltaLayerName> delta = DeltaLayerName.tryParse(fileName);
        Optional<ImageLayerName> image = ImageLayerName.tryParse(fileName);
        if (delta.isPresent() && image.isPresent()) {
            throw new IllegalArgumentException("ambiguous layer file name, both delta and image: \"" + fileName + "\"");
        }
        if (delta.isPresent()) {
            return delta.get();
        }
        if (image.isPresent()) {
            return image.get();
        }
        throw new IllegalArgumentException("neither delta nor image layer file name: \"" + fileName + "\"");
    }

    @Override
    default int compareTo(LayerName o) {
        if (isDelta() != o.isDelta()) {
            return isDelta() ? 1 : -1;
        }
        int c = keyRange().start().compareTo(o.keyRange().start());
        if (c == 0) {
            c = keyRange().end().compareTo(o.keyRange().end());
        }
        if (c == 0) {
            c = lsnStart().compareTo(o.lsnStart());
        }
        if (c == 0 && isDelta()) {
            c = lsnEnd().compareTo(o.lsnEnd());
        }
        return c;
    }

    /** Process-wide counter that makes temp file names unique, starting at 1 as Neon's. */
    static long nextTempDisambiguator() {
        return NameParts.TEMP_COUNTER.getAndIncrement();
    }
}
