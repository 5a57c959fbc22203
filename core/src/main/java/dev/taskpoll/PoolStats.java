package dev.taskpoll;

/**
 * A snapshot of a client's HTTP connection pool, summed over the hosts it talks to.
 *
 * @param acquired connections carrying a request now
 * @param idle     open connections waiting in the pool
 * @param pending  requests waiting for a connection
 */
public record PoolStats(int acquired, int idle, int pending) {

    /**
     * Nothing in use and nothing waiting: the state a client must return to once its tasks are done.
     *
     * @return whether the pool is idle
     */
    public boolean isIdle() {
        return acquired == 0 && pending == 0;
    }
}
