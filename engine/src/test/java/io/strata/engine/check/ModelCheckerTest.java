package io.strata.engine.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** The checker itself: it finds a difference and says where, and a seed repeats the same run. */
class ModelCheckerTest {
    @TempDir
    Path dir;

    @Test
    void aRecordTheModelDoesNotKnowFailsTheCheckNamingSeedKeyAndLsn() {
        try (ModelChecker c = ModelChecker.open(dir.resolve("a"), ModelCheckerConfig.defaults(7))) {
            c.run(20, Duration.ofMinutes(2));
            c.verifyAll();
            TimelineModel root = c.oracle().timelines().get(0);
            Key k = c.oracle().keys().get(3);
            Lsn lsn = root.lastRecordLsn().add(8);
            Timeline t = c.timeline(root);
            // the engine gets a record; the model only hears that the timeline moved on
            t.ingest(Flux.just(List.of(new IngestRecord(k, lsn, new Value.WalRecord(
                    NeonWalRecord.Test.walInit("behind the model's back")))))).block(Duration.ofSeconds(60));
            root.advance(lsn);
            ModelCheckException e = assertThrows(ModelCheckException.class, c::verifyAll);
            assertEquals(7, e.seed());
            assertTrue(e.getMessage().contains("seed 7") && e.getMessage().contains("key " + k)
                    && e.getMessage().contains("LSN " + lsn) && e.getMessage().contains("behind the model's back")
                    && e.getMessage().contains("last operations:"), e.getMessage());
        }
    }

    @Test
    void aSeedRepeatsTheSameOperations() {
        String[] runs = new String[2];
        for (int i = 0; i < 2; i++) {
            try (ModelChecker c = ModelChecker.open(dir.resolve("run" + i), ModelCheckerConfig.defaults(5))) {
                c.run(40, Duration.ofMinutes(2));
                assertEquals(40, c.steps());
                ModelCheckStats s = c.stats();
                runs[i] = s.toJson().get("operations") + " pages " + s.pagesChecked() + " refusals "
                        + s.refusalsChecked() + " timelines " + c.oracle().timelines().size();
            }
        }
        assertEquals(runs[0], runs[1]);
    }
}
