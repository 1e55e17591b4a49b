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

    /**
     * CPU nanoseconds so far of the live threads that do the engine's work: its io threads ({@code strata-*}: ring
     * event loops, the FileChannel engine's pool) and Reactor's {@code boundedElastic} workers. Without the JIT
     * compilers and the GC, whose share in a run of a few seconds varies by a second or more from run to run, this is
     * the figure that shows a change in the engine's own cost. -1 when the JVM cannot measure thread CPU time.
     */
    long engineThreadsCpuNanos() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return -1;
        }
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("strata-") || name.startsWith("boundedElastic-")) {
                long ns = threads.getThreadCpuTime(t.getId());
                if (ns > 0) {
                    sum += ns;
                }
            }
        }
        return sum;
    }
}
