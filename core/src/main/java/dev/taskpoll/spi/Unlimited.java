package dev.taskpoll.spi;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** {@link PollBudget#unlimited()}: admits everything at once. */
final class Unlimited implements PollBudget, PollBudget.Permit {

    static final Unlimited INSTANCE = new Unlimited();
    private static final Stats STATS = new Stats(0, 0, 0, "DISABLED", 0);
    private static final Mono<Permit> NOW = Mono.just(INSTANCE);

    private Unlimited() {
    }

    @Override
    public Mono<Permit> admit() {
        return NOW;
    }

    @Override
    public void throttled(@Nullable Duration retryAfter) {
    }

    @Override
    public Stats stats() {
        return STATS;
    }

    @Override
    public boolean isUnlimited() {
        return true;
    }

    @Override
    public void done(Outcome outcome) {
    }
}
