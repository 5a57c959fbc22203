package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Fault knobs: each a rate from 0 to 1, drawn independently for every status query (and, with
 * {@link Simulator.Builder#faultsOnCreate(boolean)}, every create call). At most one fault hits a request, tried in
 * the order of the fields. {@link #none()} is the default.
 *
 * @param serverError   answer 500 or 503 (alternately) with a JSON error body
 * @param reset         close the connection without answering
 * @param malformed     answer 200 with a body that is not JSON
 * @param empty         answer 200 with an empty body
 * @param truncated     answer 200, declare the full length, send half the body, close
 * @param stall         answer nothing for {@code stallFor}, then close
 * @param unknownStatus answer 200 with a status string no documentation lists ({@code "rendering"})
 * @param throttle      answer 429, half of them with {@code Retry-After: 1} to {@code 3} seconds
 * @param callbackDuplicate send a callback twice
 * @param callbackReorder  hold a callback back until after the next one (the terminal one is never held)
 * @param callbackLoss     drop a callback (never sent)
 * @param callbackEarly    send a callback with the task's first status before the create call's answer
 * @param mediaTruncated   cut a full (not ranged) result download half-way, closing the connection
 * @param stallFor      how long a stalled request hangs before the connection is closed (simulated time)
 */
public record Faults(double serverError, double reset, double malformed, double empty, double truncated,
                     double stall, double unknownStatus, double throttle, double callbackDuplicate,
                     double callbackReorder, double callbackLoss, double callbackEarly, double mediaTruncated,
                     Duration stallFor) {

    public Faults {
        check("serverError", serverError);
        check("reset", reset);
        check("malformed", malformed);
        check("empty", empty);
        check("truncated", truncated);
        check("stall", stall);
        check("unknownStatus", unknownStatus);
        check("throttle", throttle);
        check("callbackDuplicate", callbackDuplicate);
        check("callbackReorder", callbackReorder);
        check("callbackLoss", callbackLoss);
        check("callbackEarly", callbackEarly);
        check("mediaTruncated", mediaTruncated);
        Objects.requireNonNull(stallFor, "stallFor");
        if (stallFor.isNegative() || stallFor.isZero()) {
            throw new IllegalArgumentException("stallFor: " + stallFor + " must be positive");
        }
    }

    /** No faults. */
    public static Faults none() {
        return new Faults(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.ofMinutes(2));
    }

    /**
     * Parses {@code "5xx=0.05,reset=0.01,malformed=0.01,empty=0,truncated=0,stall=0.005,unknown=0.01,429=0.2,
     * dup=0.1,reorder=0.1,lost=0.1,early=0.5,mediaTruncated=0.5,stallFor=PT2M"}: any subset, in any order, over {@link #none()}
     * ({@code stallFor} as {@link DurationText} reads it: 2m or PT2M).
     *
     * @throws IllegalArgumentException naming the knob and the value that is wrong
     */
    public static Faults parse(String spec) {
        Faults f = none();
        if (spec.isBlank()) {
            return f;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("faults: '" + part + "' is not knob=value");
            }
            String k = kv[0].trim().toLowerCase(Locale.ROOT);
            String v = kv[1].trim();
            if (k.equals("stallfor")) {
                f = f.with(k, 0, DurationText.parse("--faults stallFor", v));
                continue;
            }
            double rate;
            try {
                rate = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("faults: " + k + "=" + v + " is not a number");
            }
            f = f.with(k, rate, f.stallFor);
        }
        return f;
    }

    private Faults with(String knob, double rate, Duration stallFor) {
        double[] r = {serverError, reset, malformed, empty, truncated, stall, unknownStatus, throttle,
                callbackDuplicate, callbackReorder, callbackLoss, callbackEarly, mediaTruncated};
        int i = java.util.List.of("5xx", "reset", "malformed", "empty", "truncated", "stall", "unknown", "429", "dup",
                "reorder", "lost", "early", "mediatruncated", "stallfor").indexOf(knob);
        if (i < 0) {
            throw new IllegalArgumentException("faults: unknown knob '" + knob
                    + "'; knobs: 5xx, reset, malformed, empty, truncated, stall, unknown, 429, dup, reorder, lost, early, "
                    + "mediaTruncated, stallFor");
        }
        if (i < r.length) {
            r[i] = rate;
        }
        return new Faults(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], stallFor);
    }

    private static void check(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("faults." + name + ": " + rate + " must be between 0 and 1");
        }
    }

    /** Which fault, if any, a request gets for a uniform draw in [0, 1). */
    Kind pick(double draw) {
        double[] rates = {serverError, reset, malformed, empty, truncated, stall, unknownStatus, throttle};
        double edge = 0;
        for (int i = 0; i < rates.length; i++) {
            edge += rates[i];
            if (draw < edge) {
                return Kind.values()[i + 1];
            }
        }
        return Kind.NONE;
    }

    /** What a request got; also the outcome recorded in the ledger (with {@code THROTTLED} for a 429). */
    public enum Kind { NONE, SERVER_ERROR, RESET, MALFORMED, EMPTY, TRUNCATED, STALL, UNKNOWN_STATUS, THROTTLED,
        /** 503 during an outage ({@link Simulator#outage(java.time.Duration)}) */
        OUTAGE }
}
