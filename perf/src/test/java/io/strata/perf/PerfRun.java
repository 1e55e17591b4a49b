package io.strata.perf;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the strata-perf command line, with what it printed. */
record PerfRun(int code, String out, String err) {
    static PerfRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = StrataPerf.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new PerfRun(code, out.toString(), err.toString());
    }

    String lastLine() {
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1];
    }

    /** The engine option the tests use: uring where it works, else filechannel. */
    static String engine() {
        return io.strata.io.uring.UringIoEngine.isAvailable() ? "uring" : "filechannel";
    }
}
