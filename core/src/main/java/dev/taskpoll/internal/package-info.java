/**
 * Implementation details. <strong>Not API</strong>: anything here may change or disappear in any release.
 */
@NullMarked
package dev.taskpoll.internal;

import org.jspecify.annotations.NullMarked;
