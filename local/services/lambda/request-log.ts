import type { InvokeOutcome } from "./execution-environment";

/**
 * One line of the request log for a synchronous invocation: the time, what invoked the function (an API's route,
 * its authorizer, the Invoke API), the function, how long it ran, and its outcome.
 */
export function requestLine(source: string, functionName: string, outcome: InvokeOutcome, now = new Date()): string {
    const result = outcome.ok ? "ok" : `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
    return `${clock(now)} ${source} → ${functionName} ${outcome.durationMs} ms ${result}`;
}

/** The request log's time of day, UTC to the millisecond: `21:05:09.042`. */
export const clock = (now = new Date()): string => now.toISOString().slice(11, 23);
