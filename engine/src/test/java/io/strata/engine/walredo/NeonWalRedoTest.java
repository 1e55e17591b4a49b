package io.strata.engine.walredo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The request as a whole: Neon's request_redo checks and batching, Postgres records, order, laziness. */
class NeonWalRedoTest {
    private static final Key KEY = new Key(0, 1663, 13010, 1259, 0, 0);
    private static final Lsn AT = Lsn.of(0x1_0000_0050L);
    private static final Optional<BaseImage> NO_IMAGE = Optional.empty();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static LsnRecord at(long lsn, NeonWalRecord r) {
        return new LsnRecord(Lsn.of(lsn), r);
    }

    private static NeonWalRecord.Postgres pg(boolean willInit) {
        return new NeonWalRecord.Postgres(willInit, utf8("rec"));
    }

    @Test
    void noRecordsIsInvalid() {
        WalRedoException e = assertThrows(WalRedoException.class,
                () -> new NeonWalRedo().redo(KEY, AT, NO_IMAGE, List.of()).block());
        assertEquals("WAL redo of key 000000067F000032D2000004EB0000000000 at LSN 1/50 failed: invalid WAL redo "
                + "request with no records", e.getMessage());
        assertEquals(Optional.empty(), e.recordLsn());
        assertEquals(Optional.empty(), e.recordVariant());
    }

    @Test
    void missingBaseImageFailsNamingKeyLsnAndTheFirstRecord() {
        WalRedoException e = assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(KEY, AT, NO_IMAGE,
                List.of(at(0x20, NeonWalRecord.Test.walAppend("a")), at(0x30, NeonWalRecord.Test.walInit("b"))))
                .block());
        assertEquals("WAL redo of key 000000067F000032D2000004EB0000000000 at LSN 1/50 failed at record 0/20 (Test): "
                + "invalid neon WAL redo request with no base image (and the first record does not will_init)",
                e.getMessage());
        assertEquals(KEY, e.key());
        assertEquals(AT, e.lsn());
        assertEquals(Optional.of(Lsn.of(0x20)), e.recordLsn());
        // a CLOG record never inits: it always needs its page
        e = assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(new Key(1, 0, 1, 0, 0, 0), AT,
                NO_IMAGE, List.of(at(0x20, new NeonWalRecord.ClogSetAborted(new int[] {3})))).block());
        assertEquals(Optional.of("ClogSetAborted"), e.recordVariant());
    }

    @Test
    void aPostgresRecordFailsClearly() {
        for (boolean willInit : new boolean[] {true, false}) {
            WalRedoException e = assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(KEY, AT,
                    NO_IMAGE, List.of(at(0x20, pg(willInit)))).block());
            assertEquals("WAL redo of key 000000067F000032D2000004EB0000000000 at LSN 1/50 failed at record 0/20 "
                    + "(Postgres): a PostgreSQL WAL record needs a PostgreSQL wal-redo process, and Strata has none "
                    + "(its built-in redo applies only Neon's own records and Strata's Physical record)",
                    e.getMessage());
        }
        // after built-in records, the Postgres one is named
        WalRedoException e = assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(KEY, AT,
                Optional.of(new BaseImage(Lsn.of(0x10), utf8("x"))),
                List.of(at(0x20, NeonWalRecord.Test.walAppend("a")), at(0x30, pg(false)),
                        at(0x40, NeonWalRecord.Test.walAppend("b")))).block());
        assertEquals(Optional.of(Lsn.of(0x30)), e.recordLsn());
        assertEquals(Optional.of("Postgres"), e.recordVariant());
        // the synchronous form says the same
        WalRedoException sync = assertThrows(WalRedoException.class, () -> NeonWalRedo.applyBuiltin(KEY, AT,
                Optional.of(new BaseImage(Lsn.of(0x10), utf8("x"))),
                List.of(at(0x20, NeonWalRecord.Test.walAppend("a")), at(0x30, pg(false)))));
        assertEquals(e.getMessage(), sync.getMessage());
    }

    @Test
    void recordsAreAppliedInOrder() {
        List<LsnRecord> records = List.of(at(0x20, NeonWalRecord.Test.walInit("a")),
                at(0x21, NeonWalRecord.Test.walAppend("b")), at(0x1_0000_0000L, NeonWalRecord.Test.walAppend("c")),
                at(0x1_0000_0001L, new NeonWalRecord.Physical(1, utf8("B"), false)));
        assertEquals("aBc", str(new NeonWalRedo().redo(KEY, AT, NO_IMAGE, records).block()));
        assertEquals("aBc", str(NeonWalRedo.applyBuiltin(KEY, AT, NO_IMAGE, records)));
    }

    @Test
    void recordsOutOfOrderAreRefused() {
        // e.g. a read path that forgot to reverse its newest-first list
        WalRedoException e = assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(KEY, AT, NO_IMAGE,
                List.of(at(0x30, NeonWalRecord.Test.walInit("a")), at(0x20, NeonWalRecord.Test.walAppend("b"))))
                .block());
        assertEquals(Optional.of(Lsn.of(0x20)), e.recordLsn());
        assertTrue(e.reason().startsWith("records must be in ascending LSN order, but this one follows a record at "
                + "0/30"), e.reason());
        // equal LSNs too: a key has one value per LSN
        assertThrows(WalRedoException.class, () -> new NeonWalRedo().redo(KEY, AT, NO_IMAGE,
                List.of(at(0x30, NeonWalRecord.Test.walInit("a")), at(0x30, NeonWalRecord.Test.walAppend("b"))))
                .block());
    }

    @Test
    void theMonoIsLazy() {
        List<LsnRecord> calls = new ArrayList<>();
        PostgresWalRedo counting = (key, lsn, image, baseLsn, records) -> {
            calls.addAll(records);
            return Mono.just(utf8("pg"));
        };
        Mono<byte[]> bad = new NeonWalRedo().redo(KEY, AT, NO_IMAGE, List.of()); // no error before subscription
        Mono<byte[]> ok = new NeonWalRedo(counting).redo(KEY, AT, NO_IMAGE, List.of(at(0x20, pg(true))));
        assertTrue(calls.isEmpty());
        assertThrows(WalRedoException.class, bad::block);
        assertEquals("pg", str(ok.block()));
        assertEquals(1, calls.size());
        assertEquals("pg", str(ok.block())); // each subscription redoes
        assertEquals(2, calls.size());
    }

    @Test
    void theCallerMayChangeItsListAfterAsking() {
        List<LsnRecord> records = new ArrayList<>(List.of(at(0x20, NeonWalRecord.Test.walInit("a"))));
        Mono<byte[]> page = new NeonWalRedo().redo(KEY, AT, NO_IMAGE, records);
        records.add(at(0x30, NeonWalRecord.Test.walAppend("b")));
        assertEquals("a", str(page.block()));
    }

    @Test
    void redoRunsInTheSubscribersThread() {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "redo-subscriber"));
        Scheduler scheduler = Schedulers.fromExecutorService(executor);
        try {
            List<String> threads = new ArrayList<>();
            byte[] page = new NeonWalRedo().redo(KEY, AT, NO_IMAGE, List.of(at(0x20, NeonWalRecord.Test.walInit("a"))))
                    .doOnNext(p -> threads.add(Thread.currentThread().getName()))
                    .subscribeOn(scheduler)
                    .block();
            assertEquals("a", str(page));
            assertEquals(List.of("redo-subscriber"), threads);
        } finally {
            scheduler.dispose();
            executor.shutdownNow();
        }
    }

    /** A stand-in PostgreSQL: appends "[pg n]" for a batch of n records and remembers what it was given. */
    private static final class FakePostgres implements PostgresWalRedo {
        final List<String> calls = new ArrayList<>();

        @Override
        public Mono<byte[]> applyBatch(Key key, Lsn lsn, Optional<byte[]> image, Lsn baseImageLsn,
                List<LsnRecord> records) {
            calls.add(image.map(NeonWalRedoTest::str).orElse("<none>") + " base@" + baseImageLsn + " from "
                    + records.get(0).lsn());
            for (LsnRecord r : records) {
                assertTrue(r.record() instanceof NeonWalRecord.Postgres, "only Postgres records in a batch");
            }
            return Mono.just(utf8(image.map(NeonWalRedoTest::str).orElse("") + "[pg " + records.size() + "]"));
        }
    }

    @Test
    void runsOfPostgresRecordsGoToThePluggedInRedoAsInNeon() {
        FakePostgres fake = new FakePostgres();
        byte[] page = new NeonWalRedo(fake).redo(KEY, AT, NO_IMAGE, List.of(
                at(0x10, NeonWalRecord.Test.walInit("a")), at(0x20, pg(false)), at(0x30, pg(false)),
                at(0x40, NeonWalRecord.Test.walAppend("b")), at(0x50, pg(false)))).block();
        assertEquals("a[pg 2]b[pg 1]", str(page));
        assertEquals(List.of("a base@0/0 from 0/20", "a[pg 2]b base@0/0 from 0/50"), fake.calls);

        fake.calls.clear();
        page = new NeonWalRedo(fake).redo(KEY, AT, Optional.of(new BaseImage(Lsn.of(0x5), utf8("img"))),
                List.of(at(0x10, pg(false)), at(0x20, new NeonWalRecord.Physical(0, utf8("I"), false)))).block();
        assertEquals("Img[pg 1]", str(page));
        assertEquals(List.of("img base@0/5 from 0/10"), fake.calls);

        fake.calls.clear();
        assertEquals("[pg 1]", str(new NeonWalRedo(fake).redo(KEY, AT, NO_IMAGE, List.of(at(0x10, pg(true))))
                .block()));
        assertEquals(List.of("<none> base@0/0 from 0/10"), fake.calls);
    }

    @Test
    void failuresOfThePluggedInRedoAreWalRedoExceptions() {
        IllegalStateException boom = new IllegalStateException("process died");
        WalRedoException e = assertThrows(WalRedoException.class,
                () -> new NeonWalRedo((k, l, i, b, r) -> Mono.error(boom))
                        .redo(KEY, AT, NO_IMAGE, List.of(at(0x10, pg(true)), at(0x20, pg(false)))).block());
        assertEquals(Optional.of(Lsn.of(0x10)), e.recordLsn());
        assertEquals("PostgreSQL wal-redo of 2 records failed: java.lang.IllegalStateException: process died",
                e.reason());
        assertSame(boom, e.getCause());
        // thrown instead of signalled
        e = assertThrows(WalRedoException.class, () -> new NeonWalRedo((k, l, i, b, r) -> {
            throw boom;
        }).redo(KEY, AT, NO_IMAGE, List.of(at(0x10, pg(true)))).block());
        assertSame(boom, e.getCause());
        // no page
        e = assertThrows(WalRedoException.class, () -> new NeonWalRedo((k, l, i, b, r) -> Mono.empty())
                .redo(KEY, AT, NO_IMAGE, List.of(at(0x10, pg(true)))).block());
        assertEquals("the PostgreSQL wal-redo returned no page", e.reason());
        // its own WalRedoExceptions pass unchanged
        WalRedoException own = new WalRedoException(KEY, AT, "mine");
        assertSame(own, assertThrows(WalRedoException.class, () -> new NeonWalRedo((k, l, i, b, r) -> Mono.error(own))
                .redo(KEY, AT, NO_IMAGE, List.of(at(0x10, pg(true)))).block()));
    }

    @Test
    void theResultIsANewArray() {
        byte[] base = utf8("abc");
        byte[] out = new NeonWalRedo().redo(KEY, AT, Optional.of(new BaseImage(Lsn.of(0x10), base)),
                List.of(at(0x20, new NeonWalRecord.AuxFile("x", null)))).block();
        assertArrayEquals(base, out);
        assertTrue(out != base);
    }
}
