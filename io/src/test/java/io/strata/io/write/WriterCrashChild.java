package io.strata.io.write;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoEngines;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a child JVM by {@link DirectFileWriterTest}, which kills it with SIGKILL.
 * Args: engine, final path, mode ("unfinished": keep appending forever; "finished": finish, report, then wait).
 */
public final class WriterCrashChild {
    public static void main(String[] args) throws Exception {
        IoEngine engine = IoEngines.create(IoConfig.defaults().withEngine(IoEngineKind.parse(args[0])));
        Path finalPath = Path.of(args[1]);
        AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 8, 4096);
        DirectFileWriter w = DirectFileWriter.create(engine, pool, finalPath, DirectFileWriter.Options.defaults())
                .block(Duration.ofSeconds(10));
        ByteBuffer chunk = ByteBuffer.allocate(100_000);
        long written = 0;
        for (int i = 0; i < 20; i++) {
            chunk.clear();
            for (int j = 0; j < chunk.capacity(); j++) {
                chunk.put(j, DirectFileWriterTest.byteAt(written + j));
            }
            w.append(chunk).block(Duration.ofSeconds(10));
            written += chunk.capacity();
        }
        if (args[2].equals("finished")) {
            w.finish(null).block(Duration.ofSeconds(10));
            System.out.println("finished " + written);
        } else {
            System.out.println("writing " + w.tempPath());
        }
        System.out.flush();
        while (true) {
            if (args[2].equals("unfinished")) {
                chunk.clear();
                w.append(chunk).block(Duration.ofSeconds(10));
            }
            Thread.sleep(1);
        }
    }
}
