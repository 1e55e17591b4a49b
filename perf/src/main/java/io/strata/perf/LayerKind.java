package io.strata.perf;

import java.util.Locale;

/** The two layer file kinds the layer benchmarks write and scan. */
enum LayerKind {
    IMAGE("image"),
    DELTA("delta");

    private final String optionName;

    LayerKind(String optionName) {
        this.optionName = optionName;
    }

    /** The name on the command line, in tables and in JSON: {@code image}, {@code delta}. */
    String optionName() {
        return optionName;
    }

    static LayerKind parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (LayerKind k : values()) {
            if (k.optionName.equals(v)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown layer kind '" + s + "': expected image or delta");
    }
}
