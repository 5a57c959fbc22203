/**
 * The embedded task store: {@link dev.taskpoll.sqlite.SqliteStore}, one SQLite file in WAL mode, so that tracking
 * survives restarts. Give it to a client with {@code TrackerOptions.builder().store(SqliteStore.open(path))}.
 */
@NullMarked
package dev.taskpoll.sqlite;

import org.jspecify.annotations.NullMarked;
