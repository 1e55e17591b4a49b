package io.strata.io.diagnostics;

import io.strata.io.buffer.BufferAccounting;
import io.strata.io.uring.UringIoEngine;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The process resources Strata's code must give back: leased aligned buffers, open file descriptors (from
 * {@code /proc/self/fd}, with what each points to) and io_uring ring slots in flight. Taken before and after a
 * piece of work (a test), {@link #leaksSince} names what was not given back. Linux only for descriptors; elsewhere
 * they are not compared.
 *
 * @param leasedBuffers aligned buffers leased and not released ({@link BufferAccounting#outstanding()})
 * @param descriptors   open descriptor number to its link target; empty when /proc is not there
 * @param ringSlots     io_uring slots in flight over all live engines
 */
public record ResourceSnapshot(long leasedBuffers, Map<Integer, String> descriptors, int ringSlots) {
    private static final Path FDS = Path.of("/proc/self/fd");

    public static ResourceSnapshot take() {
        return new ResourceSnapshot(BufferAccounting.outstanding(), listDescriptors(),
                UringIoEngine.slotsInFlightAllEngines());
    }

    private static Map<Integer, String> listDescriptors() {
        Map<Integer, String> out = new TreeMap<>();
        if (!Files.isDirectory(FDS)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(FDS)) {
            for (Path p : s) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (NoSuchFileException e) {
                    continue; // closed while listing (the listing's own descriptor among them)
                } catch (IOException e) {
                    target = "?";
                }
                out.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + FDS, e);
        }
        return out;
    }

    /**
     * What this snapshot holds beyond {@code baseline}, one line per kind; empty when nothing leaked. New
     * descriptors of the JVM's own (class path jars and native libraries, opened lazily on first use) do not
     * count, nor does the descriptor of the listing itself.
     */
    public List<String> leaksSince(ResourceSnapshot baseline) {
        List<String> leaks = new ArrayList<>();
        if (leasedBuffers > baseline.leasedBuffers) {
            leaks.add((leasedBuffers - baseline.leasedBuffers) + " aligned buffer(s) leased and not released ("
                    + leasedBuffers + " outstanding, " + baseline.leasedBuffers + " before)");
        }
        List<String> newFds = new ArrayList<>();
        descriptors.forEach((fd, target) -> {
            if (!target.equals(baseline.descriptors.get(fd)) && !isJvmOwn(target)) {
                newFds.add(fd + " -> " + target);
            }
        });
        if (!newFds.isEmpty()) {
            leaks.add(newFds.size() + " file descriptor(s) opened and not closed: " + newFds);
        }
        if (ringSlots > baseline.ringSlots) {
            leaks.add((ringSlots - baseline.ringSlots) + " io_uring ring slot(s) still in flight (" + ringSlots
                    + " now, " + baseline.ringSlots + " before)");
        }
        return leaks;
    }

    private static boolean isJvmOwn(String target) {
        return target.endsWith(".jar") || target.endsWith(".so") || target.endsWith("/lib/modules")
                || target.startsWith(FDS.toString()) || target.startsWith("/proc/");
    }

    /**
     * Polls until nothing leaked since {@code baseline} or {@code settle} has passed (closes and completions may
     * trail the work that started them); returns the leaks left.
     */
    public static List<String> awaitSettled(ResourceSnapshot baseline, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + settle.toNanos();
        List<String> leaks = take().leaksSince(baseline);
        while (!leaks.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
            leaks = take().leaksSince(baseline);
        }
        return leaks;
    }
}
