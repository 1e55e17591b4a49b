package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Vectors from Neon's aux_file.rs tests (FORMAT 13.4). */
class AuxFileKeyTest {

    private static BigInteger fnv(String s) {
        return new BigInteger(1, Fnv1a128.hash(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void fnvHashIsPortable() {
        assertEquals(new BigInteger("265160408618497461376862998434862070044"), fnv("test1"));
        assertEquals(new BigInteger("295486155126299629456360817749600553988"), fnv("test/test2"));
        assertEquals(new BigInteger("144066263297769815596495629667062367629"), fnv(""));
        assertEquals(new BigInteger("6c62272e07bb014262b821756295c58d", 16), fnv(""));
    }

    @Test
    void fnvMatchesBigIntegerModel() {
        BigInteger prime = BigInteger.ONE.shiftLeft(88).add(BigInteger.valueOf(0x13B));
        BigInteger mod = BigInteger.ONE.shiftLeft(128);
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 200; i++) {
            byte[] data = new byte[rnd.nextInt(40)];
            rnd.nextBytes(data);
            BigInteger h = new BigInteger("6c62272e07bb014262b821756295c58d", 16);
            for (byte b : data) {
                h = h.xor(BigInteger.valueOf(b & 0xFF)).multiply(prime).mod(mod);
            }
            assertEquals(h, new BigInteger(1, Fnv1a128.hash(data)));
        }
    }

    @Test
    void encodingIsPortable() {
        assertEquals("62000001017F8B83D94F7081693471ABF91C", AuxFileKey.encode("pg_logical/mappings/test1").toString());
        assertEquals("62000001027F8E83D94F7081693471ABFCCD", AuxFileKey.encode("pg_logical/snapshots/test2").toString());
        assertEquals("62000001032E07BB014262B821756295C58D", AuxFileKey.encode("pg_logical/replorigin_checkpoint").toString());
        assertEquals("62000001FF4F38E1C74754E7D03C1A660178", AuxFileKey.encode("pg_logical/unsupported").toString());
        assertEquals("62000002017F8D83D94F7081693471ABFB92", AuxFileKey.encode("pg_replslot/test3").toString());
        assertEquals("620000FFFF2B6ECC8AEF93F643DC44F15E03", AuxFileKey.encode("other_file_not_supported").toString());
    }

    @Test
    void pgStatUsesItsOwnDirectory() {
        Key k = AuxFileKey.encode("pg_stat/pgstat.stat");
        assertTrue(k.isAuxFileKey());
        assertTrue(k.toString().startsWith("6200000301"), k.toString());
    }
}
