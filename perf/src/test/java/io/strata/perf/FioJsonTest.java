package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FioJsonTest {
    /**
     * A real fio-3.33 report (randread, 8k, QD 4, io_uring, 1 s) with the trim, sync and latency-bucket sections
     * left out, after a warning line such as fio prints before the JSON.
     */
    static final String RANDREAD = """
            fio: this platform does not support process shared mutexes, forcing use of threads
            {
              "fio version" : "fio-3.33",
              "timestamp" : 1795293566,
              "timestamp_ms" : 1795293566366,
              "time" : "Sat Nov 21 20:39:26 2026",
              "jobs" : [
                {
                  "jobname" : "randread",
                  "groupid" : 0,
                  "error" : 0,
                  "eta" : 2147483647,
                  "elapsed" : 2,
                  "job options" : {
                    "name" : "randread",
                    "filename" : "/tmp/strata-bench.dat",
                    "rw" : "randread",
                    "bs" : "8k",
                    "direct" : "1",
                    "ioengine" : "io_uring",
                    "iodepth" : "4",
                    "runtime" : "1",
                    "size" : "1g",
                    "numjobs" : "1",
                    "percentile_list" : "50:99:99.9"
                  },
                  "read" : {
                    "io_bytes" : 194576384,
                    "io_kbytes" : 190016,
                    "bw_bytes" : 190574323,
                    "bw" : 186107,
                    "iops" : 23263.467189,
                    "runtime" : 1021,
                    "total_ios" : 23752,
                    "short_ios" : 0,
                    "drop_ios" : 0,
                    "slat_ns" : { "min" : 2839, "max" : 37840165, "mean" : 14304.493180, "stddev" : 255399.811533, "N" : 23752 },
                    "clat_ns" : {
                      "min" : 389,
                      "max" : 71525553,
                      "mean" : 151652.540586,
                      "stddev" : 1183201.336674,
                      "N" : 23752,
                      "percentile" : {
                        "50.000000" : 99840,
                        "99.000000" : 684032,
                        "99.900000" : 4816896
                      }
                    },
                    "lat_ns" : { "min" : 47123, "max" : 71529718, "mean" : 165957.033766, "stddev" : 1214936.228742, "N" : 23752 },
                    "bw_min" : 183280,
                    "bw_max" : 183280,
                    "bw_agg" : 98.480591,
                    "bw_mean" : 183280.000000,
                    "bw_dev" : 0.000000,
                    "bw_samples" : 1,
                    "iops_min" : 22910,
                    "iops_max" : 22910,
                    "iops_mean" : 22910.000000,
                    "iops_stddev" : 0.000000,
                    "iops_samples" : 1
                  },
                  "write" : {
                    "io_bytes" : 0,
                    "io_kbytes" : 0,
                    "bw_bytes" : 0,
                    "bw" : 0,
                    "iops" : 0.000000,
                    "runtime" : 0,
                    "total_ios" : 0,
                    "short_ios" : 0,
                    "drop_ios" : 0,
                    "slat_ns" : { "min" : 0, "max" : 0, "mean" : 0.000000, "stddev" : 0.000000, "N" : 0 },
                    "clat_ns" : { "min" : 0, "max" : 0, "mean" : 0.000000, "stddev" : 0.000000, "N" : 0 },
                    "lat_ns" : { "min" : 0, "max" : 0, "mean" : 0.000000, "stddev" : 0.000000, "N" : 0 }
                  },
                  "job_runtime" : 1021,
                  "usr_cpu" : 3.134182,
                  "sys_cpu" : 25.269344,
                  "ctx" : 5477,
                  "majf" : 0,
                  "minf" : 19,
                  "latency_depth" : 4,
                  "latency_target" : 0,
                  "latency_percentile" : 100.000000,
                  "latency_window" : 0
                }
              ],
              "disk_util" : [
                { "name" : "vda", "read_ios" : 16499, "write_ios" : 0, "read_merges" : 0, "write_merges" : 0,
                  "read_ticks" : 1508, "write_ticks" : 0, "in_queue" : 1508, "util" : 54.183267 }
              ]
            }
            """;

    @Test
    void readsIopsBandwidthPercentilesAndCpu() {
        EngineResult r = FioJson.parse(RANDREAD, "read", 4);
        assertEquals("fio", r.engine());
        assertEquals(4, r.qd());
        assertEquals(23752, r.ops());
        assertEquals(1.021, r.seconds(), 1e-9);
        assertEquals(23263.467189, r.iops(), 1e-6);
        assertEquals(190574323 / 1048576.0, r.mibPerSec(), 1e-9);
        assertEquals(99.840, r.p50Us(), 1e-9);
        assertEquals(684.032, r.p99Us(), 1e-9);
        assertEquals(4816.896, r.p999Us(), 1e-9);
        // (3.13 + 25.27) % of a CPU over 23263 ops/s = 12.2 us per op
        assertEquals((3.134182 + 25.269344) / 100 / 23263.467189 * 1e6, r.cpuUsPerOp(), 1e-9);
    }

    @Test
    void missingPercentilesAreUnknownNotZero() {
        EngineResult w = FioJson.parse(RANDREAD, "write", 4);
        assertEquals(0, w.iops());
        assertTrue(Double.isNaN(w.p50Us()));
        assertTrue(Double.isNaN(w.cpuUsPerOp()));
        // NaN figures become JSON nulls, keeping the report valid JSON
        assertTrue(w.toJson().get("lat_p50_us").isNull());
    }

    @Test
    void failedJobsAndGarbageAreClearErrors() {
        String failed = RANDREAD.replace("\"error\" : 0", "\"error\" : 5");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FioJson.parse(failed, "read", 4));
        assertTrue(e.getMessage().contains("error 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FioJson.parse("fio: no such file", "read", 1));
        assertThrows(IllegalArgumentException.class, () -> FioJson.parse("{\"jobs\": [", "read", 1));
        assertThrows(IllegalArgumentException.class, () -> FioJson.parse("{\"jobs\": []}", "read", 1));
    }

    @Test
    void eachJobOfARunWithSeveralIsReadByItsIndex() {
        // the copy limit runs a read job and a write job at once: jobs[0] reads, jobs[1] writes
        int jobs = RANDREAD.indexOf("\"jobs\" : [") + "\"jobs\" : [".length();
        int end = RANDREAD.lastIndexOf('}', RANDREAD.indexOf("\"disk_util\"")) + 1; // the job object's end
        String job = RANDREAD.substring(jobs, end);
        String second = job.replace("\"jobname\" : \"randread\"", "\"jobname\" : \"write\"")
                .replace("\"error\" : 0", "\"error\" : 7");
        String two = RANDREAD.substring(0, end) + "," + second + RANDREAD.substring(end);
        assertEquals(23752, FioJson.parse(two, "read", 4, 0).ops());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FioJson.parse(two, "read", 4, 1));
        assertTrue(e.getMessage().contains("'write' failed with error 7"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FioJson.parse(two, "read", 4, 2)).getMessage()
                .contains("no jobs[2]"));
    }

    @Test
    void commandLineMatchesTheStrataRun() {
        List<String> a = FioRunner.arguments("randread", Path.of("/tmp/f"), 1L << 30, 8192, 32, 5, 1);
        assertEquals(List.of("--name=randread", "--filename=/tmp/f", "--rw=randread", "--bs=8192", "--direct=1",
                "--ioengine=io_uring", "--iodepth=32", "--runtime=5", "--time_based", "--ramp_time=1",
                "--size=1073741824", "--numjobs=1", "--percentile_list=50:99:99.9", "--output-format=json"), a);
        assertTrue(!FioRunner.arguments("write", Path.of("/tmp/f"), 1L << 30, 1 << 20, 4, 5, 0)
                .contains("--ramp_time=0"));
    }
}
