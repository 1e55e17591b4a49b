/**
 * The values of delta layers: Neon's {@code Value} and {@code NeonWalRecord} and their bincode form
 * (FORMAT 10.3).
 *
 * <p>Payload bytes ({@code Image}, {@code Postgres.rec}, {@code AuxFile.content}) are plain {@code byte[]}
 * owned by the value: the constructors and accessors do not copy them, so callers must not modify an array after
 * handing it over or after reading it from a value. Decoding copies each payload once out of the source buffer:
 * the source is usually a pooled read buffer that is reused right after, so a slice of it could not outlive the
 * read. Equality of values is by content.
 */
package io.strata.engine.value;
