package io.strata.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIndex;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Fuzzes the text parsers of keys, LSNs and ids (Neon's {@code Key::from_hex}, {@code Lsn::from_str},
 * {@code Lsn::from_hex}, key ranges, tenant, timeline and shard ids): any string either parses to a value whose
 * canonical text parses back to the same value, or fails with an {@link IllegalArgumentException} with a message.
 * The input is UTF-8 text (malformed sequences become U+FFFD), so the seed files are readable.
 */
class KeyLsnFuzzTest {
    private static final FuzzOutcomes OUTCOMES = new FuzzOutcomes(IllegalArgumentException.class);

    @FuzzTest(maxDuration = "20s")
    void parsers(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        roundTrip(s, Key::fromHex, Key::toString);
        roundTrip(s, Lsn::parse, Lsn::toString);
        roundTrip(s, Lsn::fromHex, Lsn::toFileNameHex);
        roundTrip(s, KeyRange::parse, KeyRange::toString);
        roundTrip(s, TenantId::parse, TenantId::toString);
        roundTrip(s, TimelineId::parse, TimelineId::toString);
        roundTrip(s, ShardIndex::parse, ShardIndex::toString);
    }

    private static <T> void roundTrip(String s, Function<String, T> parse, Function<T, String> format) {
        T value;
        try {
            value = parse.apply(s);
        } catch (RuntimeException e) {
            OUTCOMES.check(e, '"' + s + '"');
            return;
        }
        assertEquals(value, parse.apply(format.apply(value)), () -> "canonical form of \"" + s + "\"");
    }
}
