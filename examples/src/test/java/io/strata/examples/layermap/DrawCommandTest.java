package io.strata.examples.layermap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.tenant.ShutdownMode;
import io.strata.examples.StrataMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code strata timeline draw} on a data directory left by an engine: SVG and HTML, and its errors. */
class DrawCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StrataMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private String[] draw(Path data, String timeline, Path out) {
        return new String[] {"timeline", "draw", "--data", data.toString(), "--tenant",
                LayerMapFixture.TENANT.toString(), "--timeline", timeline, "--out", out.toString()};
    }

    @Test
    void drawsTheTimelineOfADataDirectoryAsSvgAndHtml() throws Exception {
        Path data = dir.resolve("data");
        try (LayerMapFixture f = new LayerMapFixture(data)) {
            // the in-memory layers become two more L0 files
            f.close(ShutdownMode.FREEZE_AND_FLUSH);
        }
        Path svg = dir.resolve("pictures/map.svg");
        Result r = run(draw(data, LayerMapFixture.TIMELINE.toString(), svg));
        assertEquals(0, r.code(), r.err());
        assertEquals(svg + ": 2 image, 2 delta, 5 L0, 0 in-memory layers", r.out().strip());
        Map<String, LayerMapSvgTest.Rect> rects = LayerMapSvgTest.layerRects(LayerMapSvgTest.parse(Files.readString(svg)));
        assertEquals(9, rects.size());
        assertEquals(5, LayerMapSvgTest.count(rects, "l0"));
        assertTrue(rects.containsKey(LayerMapFixture.l0Name(0x60, 0x70)), rects.keySet().toString());
        assertTrue(rects.containsKey(LayerMapFixture.l0Name(0x70, 0x79)), rects.keySet().toString());
        assertEquals(1, LayerMapSvgTest.count(rects, "covered"), "visibility computed for the picture");

        Path html = dir.resolve("map.html");
        r = run(draw(data, LayerMapFixture.TIMELINE.toString(), html));
        assertEquals(0, r.code(), r.err());
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("\"historic_layers\"") && page.contains(LayerMapFixture.l0Name(0x70, 0x79)),
                "the layer map is embedded");
        assertFalse(page.contains("<script src") || page.contains("<link"), "nothing loaded from elsewhere");
        assertFalse(page.replace("http://www.w3.org/2000/svg", "").matches("(?s).*https?://.*"),
                "no address but the SVG namespace in the page");
    }

    @Test
    void namesWhatIsMissingOrWrong() throws Exception {
        Path data = dir.resolve("data");
        try (LayerMapFixture f = new LayerMapFixture(data)) {
            f.close(ShutdownMode.HARD);
        }
        String other = "00000000000000000000000000000bad";
        Result r = run(draw(data, other, dir.resolve("x.svg")));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no timeline " + other) && r.err().contains(LayerMapFixture.TIMELINE.toString()),
                r.err());
        assertFalse(Files.exists(dir.resolve("x.svg")));

        r = run(draw(data, LayerMapFixture.TIMELINE.toString(), dir.resolve("x.png")));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("x.png: the output must end in .svg or .html"), r.err());

        Path nowhere = dir.resolve("nowhere");
        r = run(draw(nowhere, LayerMapFixture.TIMELINE.toString(), dir.resolve("x.svg")));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a Strata data directory"), r.err());
        assertFalse(Files.exists(nowhere), "no data directory created");
    }
}
