/**
 * The catalogue: what the APIs offer and how to ask for it. {@link dev.taskpoll.catalog.Family} (the generation
 * families: dialect, create path, models, default poll policy), {@link dev.taskpoll.catalog.AssetLibrary} (the asset
 * libraries), {@link dev.taskpoll.catalog.GenerationRequest} (a generation, checked against the documented rules
 * when built) and {@link dev.taskpoll.catalog.AssetRequest} (an upload).
 */
@NullMarked
package dev.taskpoll.catalog;

import org.jspecify.annotations.NullMarked;
