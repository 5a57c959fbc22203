package dev.taskpoll.testkit;

/** How a simulated task ends. */
public enum SimOutcome {
    COMPLETED("completed"),
    FAILED("failed"),
    /** Only for Seedance 1.5, the one family whose docs list {@code cancelled}. */
    CANCELLED("cancelled");

    final String raw;

    SimOutcome(String raw) {
        this.raw = raw;
    }

    /** The status string the API reports for it. */
    public String raw() {
        return raw;
    }
}
