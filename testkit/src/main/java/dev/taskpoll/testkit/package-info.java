/**
 * An in-process simulator of the GlobalAI OPC and generic task APIs, on accelerated time, with a ledger of what
 * really happened. Start with {@link dev.taskpoll.testkit.Simulator}.
 */
@NullMarked
package dev.taskpoll.testkit;

import org.jspecify.annotations.NullMarked;
