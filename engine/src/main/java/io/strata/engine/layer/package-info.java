/**
 * Layer files: their names ({@link io.strata.engine.layer.LayerName}, FORMAT section 5), parsed with Neon's exact
 * rules, and what image and delta layers share: the summary block ({@link io.strata.engine.layer.LayerSummary}),
 * the writing procedure ({@link io.strata.engine.layer.LayerFileWriter}) and the checked open
 * ({@link io.strata.engine.layer.LayerFile}). The two kinds live in {@code .image} and {@code .delta}.
 */
package io.strata.engine.layer;
