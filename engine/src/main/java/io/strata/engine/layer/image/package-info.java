/** Image layers (FORMAT 9): one page image per key at one LSN; writer, summary and reader. */
package io.strata.engine.layer.image;
