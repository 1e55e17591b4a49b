package io.strata.engine.read;

import io.strata.engine.key.Lsn;
import java.util.Optional;

/** A timeline as the read path descends it: its current layers, and the ancestor it branched from. */
public interface ReadTimeline {
    /** The current layer snapshot; a read takes it once per timeline it visits. */
    LayerSnapshot layers();

    /** The timeline this one branched from and the branch LSN, if any. */
    Optional<Ancestor> ancestor();

    /** A name for messages (the timeline id). */
    String name();

    /** A parent timeline and the LSN its child branched at. */
    record Ancestor(ReadTimeline timeline, Lsn lsn) {
    }
}
