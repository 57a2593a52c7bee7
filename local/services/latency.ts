/**
 * A model of the network between a function and an AWS service: on loopback a call answers in microseconds,
 * on AWS in milliseconds, which changes what a fan-out's speed depends on. Off (0) by default; adjustable while
 * the local cloud runs, so one set of connected clients can be measured at several latencies.
 */
export class Latency {
    constructor(public ms = 0) {
        Latency.check(ms);
    }

    set(ms: number): void {
        Latency.check(ms);
        this.ms = ms;
    }

    /** Runs `handle` once the modelled delay has passed (at once when it is 0). */
    delay(handle: () => void): void {
        if (this.ms > 0) setTimeout(handle, this.ms);
        else handle();
    }

    private static check(ms: number): void {
        if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new RangeError(`latency must be 0 to 60000 ms; got ${ms}`);
    }
}
