/**
 * Implementation details (engine). <strong>Not API</strong>: not exported by the module, and anything here may change or
 * disappear in any release.
 */
@NullMarked
package dev.taskpoll.internal.engine;

import org.jspecify.annotations.NullMarked;
