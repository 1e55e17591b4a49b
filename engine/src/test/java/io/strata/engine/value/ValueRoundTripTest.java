package io.strata.engine.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.bincode.BincodeWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Seeded random values of every variant survive serialize/deserialize; every strict prefix fails to decode. */
class ValueRoundTripTest {
    private static final long SEED = 0x5EED_0F_57A7AL;

    @Test
    void randomValuesOfAllVariantsRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Set<Integer> seen = new HashSet<>();
        BincodeWriter reused = new BincodeWriter();
        for (int i = 0; i < 2000; i++) {
            Value v = randomValue(rnd);
            seen.add(v instanceof Value.WalRecord w ? 1 + w.record().variantIndex() : 0);
            byte[] bytes = v.serialize();
            assertEquals(v, Value.deserialize(bytes), () -> "seed " + SEED + ": " + v);
            assertEquals(v.willInit(), Value.deserialize(bytes).willInit());
            ValueCodec.encode(v, reused.reset());
            assertEquals(v, Value.deserialize(reused.buffer(), 0, reused.length()));
            if (bytes.length < 12) {
                // only ClearVisibilityMapFlags{None, None, _} (11 bytes): Neon's raw check refuses it
                assertThrows(InvalidValueBytesException.class, () -> ValueBytes.willInit(bytes));
            } else if (!(v instanceof Value.WalRecord w && w.record() instanceof NeonWalRecord.Test)) {
                assertEquals(v.willInit(), ValueBytes.willInit(bytes));
            }
            if (i % 50 == 0) {
                for (int len = 0; len < bytes.length; len++) {
                    int n = len;
                    assertThrows(BincodeDecodeException.class,
                            () -> Value.deserialize(new UnsafeBuffer(bytes), 0, n));
                }
            }
        }
        assertEquals(11, seen.size(), "image, Neon's 9 records and Strata's Physical generated: " + seen);
    }

    private static Value randomValue(SplittableRandom rnd) {
        if (rnd.nextInt(10) == 0) {
            return new Value.Image(bytes(rnd, 9000));
        }
        return new Value.WalRecord(randomRecord(rnd));
    }

    private static NeonWalRecord randomRecord(SplittableRandom rnd) {
        switch (rnd.nextInt(10)) {
            case 0:
                return new NeonWalRecord.Postgres(rnd.nextBoolean(), bytes(rnd, 300));
            case 1:
                return new NeonWalRecord.ClearVisibilityMapFlags(optInt(rnd), optInt(rnd), rnd.nextInt(256));
            case 2:
                return new NeonWalRecord.ClogSetCommitted(ints(rnd), rnd.nextLong());
            case 3:
                return new NeonWalRecord.ClogSetAborted(ints(rnd));
            case 4:
                return new NeonWalRecord.MultixactOffsetCreate(rnd.nextInt(), rnd.nextInt());
            case 5: {
                List<MultiXactMember> members = new ArrayList<>();
                for (int i = rnd.nextInt(6); i > 0; i--) {
                    members.add(new MultiXactMember(rnd.nextInt(), rnd.nextInt(6)));
                }
                return new NeonWalRecord.MultixactMembersCreate(rnd.nextInt(), members);
            }
            case 6:
                return new NeonWalRecord.AuxFile(string(rnd), rnd.nextBoolean() ? bytes(rnd, 200) : null);
            case 7:
                return new NeonWalRecord.TruncateVisibilityMap(rnd.nextLong(), rnd.nextLong());
            case 8:
                return new NeonWalRecord.Physical(rnd.nextInt(20_000), bytes(rnd, 300), rnd.nextBoolean());
            default:
                return new NeonWalRecord.Test(string(rnd), rnd.nextBoolean(), rnd.nextBoolean(),
                        rnd.nextBoolean() ? Optional.of(string(rnd)) : Optional.empty());
        }
    }

    private static OptionalInt optInt(SplittableRandom rnd) {
        return rnd.nextBoolean() ? OptionalInt.of(rnd.nextInt()) : OptionalInt.empty();
    }

    private static int[] ints(SplittableRandom rnd) {
        return rnd.ints(rnd.nextInt(8)).toArray();
    }

    private static byte[] bytes(SplittableRandom rnd, int max) {
        byte[] b = new byte[rnd.nextInt(max)];
        rnd.nextBytes(b);
        return b;
    }

    private static String string(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(12); i > 0; i--) {
            sb.appendCodePoint(rnd.nextInt(4) == 0 ? 0x1F600 + rnd.nextInt(50) : 'a' + rnd.nextInt(26));
        }
        return sb.toString();
    }
}
