package io.strata.perf;

import java.lang.management.ManagementFactory;

/** CPU time of this whole JVM process (all threads: the harness, engine threads, GC and JIT), in nanoseconds. */
final class CpuClock {
    private final com.sun.management.OperatingSystemMXBean os;

    CpuClock() {
        java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        this.os = bean instanceof com.sun.management.OperatingSystemMXBean sun ? sun : null;
    }

    /** Process CPU nanoseconds so far, or -1 when this JVM cannot tell. */
    long processCpuNanos() {
        return os == null ? -1 : os.getProcessCpuTime();
    }
}
