/**
 * Neon's bincode configuration ("BeSer"): bincode 1.3, big-endian, fixed-width integers, no size limit
 * (FORMAT section 2). Only the primitives the layer format needs; structs and enums are written field by field
 * by their own codecs.
 */
package io.strata.engine.bincode;
