package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;

/** A simulated layer file (Neon's {@code MockLayer}): a delta with its records, or an image. */
sealed interface MockLayer extends CompactionLayer<Long> permits MockLayer.Delta, MockLayer.Image {

    boolean isDeleted();

    /** Marks the layer deleted; a layer is deleted at most once. */
    void markDeleted();

    static String hex16(long v) {
        return String.format("%016X", v);
    }

    /** Neon's {@code MockDeltaLayer}: records in (key, lsn) order. */
    final class Delta implements MockLayer, CompactionDeltaLayer<Long, MockRequestContext, MockRecord> {
        private final Range<Long> keyRange;
        private final Range<Lsn> lsnRange;
        private final long fileSize;
        private final List<MockRecord> records;
        private final AtomicBoolean deleted = new AtomicBoolean();

        Delta(Range<Long> keyRange, Range<Lsn> lsnRange, long fileSize, List<MockRecord> records) {
            this.keyRange = keyRange;
            this.lsnRange = lsnRange;
            this.fileSize = fileSize;
            this.records = List.copyOf(records);
        }

        List<MockRecord> records() {
            return records;
        }

        @Override
        public Flux<MockRecord> loadKeys(MockRequestContext ctx) {
            // A real layer file is gone once deleted: reading it then means compaction deleted it too early.
            return Flux.defer(() -> deleted.get()
                    ? Flux.error(new IllegalStateException("reading deleted layer " + shortId()))
                    : Flux.fromIterable(records));
        }

        @Override
        public Range<Long> keyRange() {
            return keyRange;
        }

        @Override
        public Range<Lsn> lsnRange() {
            return lsnRange;
        }

        @Override
        public long fileSize() {
            return fileSize;
        }

        @Override
        public String shortId() {
            return hex16(keyRange.start()) + "-" + hex16(keyRange.end()) + "__"
                    + String.format("%08X-%08X", lsnRange.start().value(), lsnRange.end().value());
        }

        @Override
        public boolean isDelta() {
            return true;
        }

        @Override
        public boolean isDeleted() {
            return deleted.get();
        }

        @Override
        public void markDeleted() {
            if (!deleted.compareAndSet(false, true)) {
                throw new IllegalStateException("layer already deleted: " + shortId());
            }
        }

        @Override
        public String toString() {
            return shortId();
        }
    }

    /** Neon's {@code MockImageLayer}. */
    final class Image implements MockLayer, CompactionImageLayer<Long> {
        private final Range<Long> keyRange;
        private final Range<Lsn> lsnRange;
        private final long fileSize;
        private final AtomicBoolean deleted = new AtomicBoolean();

        Image(Range<Long> keyRange, Range<Lsn> lsnRange, long fileSize) {
            this.keyRange = keyRange;
            this.lsnRange = lsnRange;
            this.fileSize = fileSize;
        }

        @Override
        public Range<Long> keyRange() {
            return keyRange;
        }

        @Override
        public Range<Lsn> lsnRange() {
            return lsnRange;
        }

        @Override
        public long fileSize() {
            return fileSize;
        }

        @Override
        public String shortId() {
            return hex16(keyRange.start()) + "-" + hex16(keyRange.end()) + "__"
                    + String.format("%08X", lsnRange.start().value());
        }

        @Override
        public boolean isDelta() {
            return false;
        }

        @Override
        public boolean isDeleted() {
            return deleted.get();
        }

        @Override
        public void markDeleted() {
            if (!deleted.compareAndSet(false, true)) {
                throw new IllegalStateException("layer already deleted: " + shortId());
            }
        }

        @Override
        public String toString() {
            return shortId();
        }
    }
}
