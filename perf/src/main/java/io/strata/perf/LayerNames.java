package io.strata.perf;

import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Layer sets for {@code layer-map}: a file of Neon layer file names, one a line, or one of Neon's two benchmark
 * files by name ({@code builtin:odd-brook}, {@code builtin:large}).
 *
 * <p>Neon's files are not part of this repository. A builtin name is looked up, in this order, as the classpath
 * resource {@code layer-names/FILE}, in the directory named by {@code -Dstrata.layerNames.dir}, and in
 * {@code shared/reference/layer-names/} beside the working directory or any directory above it.
 */
final class LayerNames {
    static final String BUILTIN = "builtin:";
    /** Builtin name to Neon's file name ({@code pageserver/benches/}). */
    static final Map<String, String> BUILTINS = Map.of(
            "odd-brook", "odd-brook-layernames.txt",
            "large", "large-layer-map-layernames.txt");

    private LayerNames() {
    }

    /**
     * Reads a path or a builtin name: non-blank lines parsed with {@link LayerName#parse}, file sizes 0.
     *
     * @throws IllegalArgumentException naming the source and line if a name does not parse, or a builtin is
     *                                  unknown or not found (saying where it was looked for)
     */
    static List<PersistentLayerDesc> read(String source) {
        try {
            if (!source.startsWith(BUILTIN)) {
                try (BufferedReader r = Files.newBufferedReader(Path.of(source), StandardCharsets.UTF_8)) {
                    return parse(source, r);
                }
            }
            String name = source.substring(BUILTIN.length());
            String file = BUILTINS.get(name);
            if (file == null) {
                throw new IllegalArgumentException("unknown layer-name set '" + source + "': choose "
                        + String.join(" or ", BUILTINS.keySet().stream().sorted().map(n -> BUILTIN + n).toList())
                        + ", or give a file");
            }
            InputStream resource = LayerNames.class.getClassLoader().getResourceAsStream("layer-names/" + file);
            if (resource != null) {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(resource, StandardCharsets.UTF_8))) {
                    return parse(source, r);
                }
            }
            List<Path> tried = new ArrayList<>();
            for (Path dir : searchDirectories()) {
                Path p = dir.resolve(file);
                tried.add(p);
                if (Files.isRegularFile(p)) {
                    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                        return parse(source, r);
                    }
                }
            }
            throw new IllegalArgumentException(source + ": Neon's " + file + " (pageserver/benches/ in Neon's "
                    + "repository) is not here; looked for the resource layer-names/" + file + " and in " + tried
                    + ". Put it in one of those places, set -Dstrata.layerNames.dir, or give the file's path");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read layer names from " + source + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> searchDirectories() {
        List<Path> dirs = new ArrayList<>();
        String prop = System.getProperty("strata.layerNames.dir");
        if (prop != null && !prop.isBlank()) {
            dirs.add(Path.of(prop));
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            dirs.add(d.resolve("shared").resolve("reference").resolve("layer-names"));
        }
        return dirs;
    }

    private static List<PersistentLayerDesc> parse(String source, BufferedReader r) throws IOException {
        List<PersistentLayerDesc> out = new ArrayList<>();
        int lineNo = 0;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(new PersistentLayerDesc(LayerName.parse(line.strip()), 0));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
