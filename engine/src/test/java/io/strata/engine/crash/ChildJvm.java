package io.strata.engine.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A child JVM running a main class of the test class path with this JVM's binary and the flags Surefire gives the
 * tests ({@code strata.jvm.flags}), its output lines read by daemon threads so that every wait is bounded, and a
 * SIGKILL that is checked to have been one.
 */
final class ChildJvm implements AutoCloseable {
    /** The JVM flags of the parent pom's {@code strata.jvm.flags}, which the engine needs. */
    static final List<String> JVM_FLAGS = List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-XX:+AllowRedefinitionToAddDeleteMethods", "-Dio.netty.tryReflectionSetAccessible=true");
    /** 128 + SIGKILL: the exit status of a process SIGKILL ended. */
    static final int KILLED = 128 + 9;

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder err = new StringBuilder();
    private Thread outPump;

    private ChildJvm(Process process) {
        this.process = process;
    }

    static ChildJvm start(Class<?> main, List<String> jvmOptions, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        ChildJvm c = new ChildJvm(new ProcessBuilder(cmd).start());
        c.outPump = c.pump("child-out", c.process.getInputStream(), true);
        c.pump("child-err", c.process.getErrorStream(), false);
        return c;
    }

    private Thread pump(String name, InputStream in, boolean out) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (out) {
                        lines.add(l);
                    } else {
                        synchronized (err) {
                            if (err.length() < 20_000) {
                                err.append(l).append('\n');
                            }
                        }
                    }
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The next output line, or null after {@code timeoutMillis}. */
    String poll(long timeoutMillis) throws InterruptedException {
        return lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /**
     * SIGKILL ({@link Process#destroyForcibly} sends it on Linux), then waits for the child to end; returns its exit
     * status, {@link #KILLED} when the kill ended it.
     */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child " + process.pid() + " still alive 60 s after SIGKILL");
        }
        return process.exitValue();
    }

    /** After the child ended: the lines it wrote that were not read yet, to the end of its output. */
    List<String> drain() throws InterruptedException {
        outPump.join(10_000);
        List<String> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }

    String stderr() {
        synchronized (err) {
            return err.toString().lines().limit(80).collect(Collectors.joining("\n"));
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
