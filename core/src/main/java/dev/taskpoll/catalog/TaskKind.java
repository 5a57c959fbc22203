package dev.taskpoll.catalog;

import dev.taskpoll.PollPolicy;

/**
 * What kind of task a {@link dev.taskpoll.TaskRef} names: a generation of a {@link Family}, or an upload to an
 * {@link AssetLibrary}. Both say how the task's status is read ({@link #dialect()}) and how it is polled by default
 * ({@link #defaultPolicy()}).
 */
public sealed interface TaskKind permits Family, AssetLibrary {

    /**
     * The constant's name, e.g. {@code VEO} or {@code SEEDANCE_2_0}.
     *
     * @return the name
     */
    String name();

    /**
     * How the task's status is read.
     *
     * @return the dialect
     */
    Dialect dialect();

    /**
     * The documented default poll policy.
     *
     * @return the policy
     */
    PollPolicy defaultPolicy();
}
