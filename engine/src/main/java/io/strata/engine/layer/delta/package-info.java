/** Delta layers (FORMAT 10): versions of keys over an LSN range; writer, summary, index key/value and reader. */
package io.strata.engine.layer.delta;
