package io.strata.engine.read;

import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/** A layer that counts the keys the read path asks it for. */
final class CountingLayer implements ReadableLayer {
    final ReadableLayer delegate;
    final AtomicLong keysAsked = new AtomicLong();
    final AtomicLong visits = new AtomicLong();

    CountingLayer(ReadableLayer delegate) {
        this.delegate = delegate;
    }

    @Override
    public Mono<Void> getValuesReconstructData(KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil,
                                               ValuesReconstructState state) {
        visits.incrementAndGet();
        keysAsked.addAndGet(keySpace.totalRawSize());
        return delegate.getValuesReconstructData(keySpace, lsnFloor, lsnCeil, state);
    }

    @Override
    public boolean isDelta() {
        return delegate.isDelta();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }
}
