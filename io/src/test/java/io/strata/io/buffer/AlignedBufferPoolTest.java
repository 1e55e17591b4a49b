package io.strata.io.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class AlignedBufferPoolTest {
    @Test
    void aLargePoolStartsOnAHugePageAndListsItsWholeHugePages() {
        AlignedBufferPool pool = new AlignedBufferPool(1 << 20, 5, 4096);
        List<MemoryRegion> regions = pool.hugePageRegions();
        assertEquals(1, regions.size(), regions.toString());
        MemoryRegion r = regions.get(0);
        assertEquals(0, r.address() % AlignedBufferPool.HUGE_PAGE, "slab not on a huge page");
        assertEquals(4L << 20, r.length(), "5 MiB of buffers hold two whole huge pages");
        List<AlignedBuffer> all = new ArrayList<>();
        AlignedBuffer b;
        while ((b = pool.tryLease()) != null) {
            assertTrue(b.address() >= r.address() && b.address() + b.capacity() <= r.address() + (5L << 20),
                    "buffer outside the slab");
            assertEquals(1 << 20, b.byteBuffer().remaining());
            all.add(b);
        }
        assertEquals(5, all.size(), "no buffer lost to the huge-page alignment");
        assertEquals(r.address(), all.stream().mapToLong(AlignedBuffer::address).min().orElseThrow());
        all.forEach(AlignedBuffer::release);
        pool.assertNoLeaks();
    }

    @Test
    void aSmallPoolHasNoHugePages() {
        assertTrue(new AlignedBufferPool(8192, 10, 4096).hugePageRegions().isEmpty());
        assertEquals(1, new AlignedBufferPool(1 << 20, 2, 4096).hugePageRegions().size());
    }

    @Test
    void buffersAreAlignedAndSized() {
        AlignedBufferPool pool = new AlignedBufferPool(8192, 10, 4096);
        List<AlignedBuffer> all = new ArrayList<>();
        AlignedBuffer b;
        while ((b = pool.tryLease()) != null) {
            assertEquals(0, b.address() % 4096);
            assertEquals(8192, b.capacity());
            assertEquals(8192, b.byteBuffer().remaining());
            all.add(b);
        }
        assertEquals(10, all.size());
        assertEquals(0, pool.available());
        all.forEach(AlignedBuffer::release);
        assertEquals(10, pool.available());
        pool.assertNoLeaks();
    }

    @Test
    void rejectsBadGeometry() {
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(1000, 1, 4096));
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(8192, 0, 4096));
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(8192, 1, 3000));
    }

    @Test
    void doubleReleaseIsAnError() {
        AlignedBufferPool pool = new AlignedBufferPool(4096, 1, 4096);
        AlignedBuffer b = pool.tryLease();
        b.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::release);
        assertTrue(e.getMessage().contains("released twice"), e.getMessage());
        assertEquals(1, pool.available());
    }

    @Test
    void leaseWaitsForARelease() {
        AlignedBufferPool pool = new AlignedBufferPool(4096, 1, 4096);
        AlignedBuffer held = pool.tryLease();
        StepVerifier.create(pool.lease())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(held::release)
                .assertNext(b -> {
                    assertSame(held, b);
                    b.release();
                })
                .verifyComplete();
        pool.assertNoLeaks();
    }

    @Test
    void aCancelledWaiterDoesNotSwallowABuffer() {
        AlignedBufferPool pool = new AlignedBufferPool(4096, 1, 4096);
        AlignedBuffer held = pool.tryLease();
        Disposable waiter = pool.lease().subscribe(b -> { throw new AssertionError("cancelled waiter served"); });
        assertEquals(1, pool.waiting());
        waiter.dispose();
        held.release();
        assertEquals(1, pool.available());
        pool.assertNoLeaks();
    }

    @Test
    void leakCheckNamesWhereTheBufferWasLeased() {
        AlignedBufferPool pool = new AlignedBufferPool(4096, 2, 4096).trackLeaks(true);
        AlignedBuffer b = pool.tryLease();
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::assertNoLeaks);
        assertTrue(e.getMessage().contains("1 of 2"), e.getMessage());
        assertNotNull(e.getCause());
        boolean namesThisTest = java.util.Arrays.stream(e.getCause().getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("leakCheckNamesWhereTheBufferWasLeased"));
        assertTrue(namesThisTest, "the lease site must name the test method");
        b.release();
        pool.assertNoLeaks();
    }

    @Test
    void manyContendingLeasesAllGetServedAndNothingIsLost() {
        AlignedBufferPool pool = new AlignedBufferPool(4096, 4, 4096).trackLeaks(true);
        AtomicInteger served = new AtomicInteger();
        Flux.range(0, 20_000)
                .parallel(4).runOn(Schedulers.parallel())
                .flatMap(i -> pool.lease().publishOn(Schedulers.parallel()).map(b -> {
                    served.incrementAndGet();
                    b.release();
                    return i;
                }))
                .sequential().then().block(Duration.ofSeconds(60));
        assertEquals(20_000, served.get());
        assertEquals(4, pool.available());
        assertNull(pool.outstandingLeases().isEmpty() ? null : pool.outstandingLeases().get(0));
        pool.assertNoLeaks();
    }

    @Test
    void unpooledBuffersAreAlignedToo() {
        AlignedBuffer b = AlignedBuffer.allocate(12288, 8192);
        assertEquals(0, b.address() % 8192);
        assertEquals(12288, b.capacity());
        b.release();
        assertThrows(IllegalStateException.class, b::release);
        assertThrows(IllegalArgumentException.class, () -> AlignedBuffer.allocate(4096, 3000));
        Mono.empty().block();
    }
}
