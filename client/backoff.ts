// Reconnection delays: exponential backoff with full jitter, so clients dropped together by one server (a deploy, an
// outage) spread their reconnects out instead of coming back in lockstep.

export interface BackoffOptions {
    /** The cap on the first retry's delay; the cap doubles with each further retry. Default 500 ms. */
    baseDelayMs?: number;
    /** No delay exceeds this. Default 30 s. */
    maxDelayMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseDelayMs: 500, maxDelayMs: 30_000 };

/** The delay before retry `attempt` (0 for the first): uniform in [0, min(maxDelayMs, baseDelayMs · 2^attempt)). */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number = Math.random): number {
    return random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
}

/** Resolves after `ms`, or at once when `signal` aborts (a closed client must not keep a timer alive). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal.aborted) return resolve();
        const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done);
    });
}
