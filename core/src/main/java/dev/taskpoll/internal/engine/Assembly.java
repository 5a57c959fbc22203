package dev.taskpoll.internal.engine;

import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.internal.budget.FleetBudget;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StatusSource;
import java.util.Map;

/**
 * Puts an {@link Engine} together from {@link TrackerOptions}: the engine is given its collaborators and makes none
 * of them. What the options do not name is taskpoll's default: one {@link SharedTimer} on the options' scheduler, the
 * local {@link FleetBudget} (or {@link PollBudget#unlimited()} when the fleet budget is disabled), the options'
 * cadence and store, and the store's hints (cluster mode) or else {@link StatusHints#local()}.
 */
public final class Assembly {

    private Assembly() {
    }

    public static Engine engine(Map<Dialect, StatusSource> sources, TrackerOptions options) {
        SharedTimer timer = new SharedTimer(options.scheduler(), options.timerResolution().toMillis());
        PollBudget budget = options.budget() != null ? options.budget()
                // the circuit's open time on the timer's clock, as the rest of the budget: TrackerOptions.clock is for
                // observation times (a fixed one there left an opened circuit open for ever)
                : options.fleet().enabled() ? new FleetBudget(options.fleet(), timer,
                        new SchedulerClock(options.scheduler()), options.fleetShare())
                : PollBudget.unlimited();
        StatusHints hints = options.hints() != null ? options.hints()
                : options.store().hints() != null ? options.store().hints() : StatusHints.local();
        return new Engine(sources, timer, budget, options.cadence(), options.store(), hints, options);
    }
}
