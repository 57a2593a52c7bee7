import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { createConnectionPoster, type PostToConnection } from "./connection-poster";
import { MAX_MESSAGE_BYTES } from "./message";

// Posting one message to many connections through `@connections`, shared by broadcast (every connection) and
// publish (a channel's subscribers): retries, cleanup of gone connections, concurrency across pages.

export interface DeliveryOptions {
    /** The stage's `@connections` base, `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
    endpoint: string;
    /** Posts in flight at once. @default 50 */
    concurrency?: number;
    /** Tries per post for throttling (429), 5xx and network errors. @default 5 */
    maxAttempts?: number;
    /** First retry delay cap; doubles per attempt, full jitter. @default 50 */
    baseDelayMs?: number;
    /**
     * A client to post through with `send`, its middleware (tracing, logging) applied to every post. Without it
     * the posts are signed by a client made here, with the default credentials and region, and sent straight over
     * a keep-alive agent, about twice as fast (BENCHMARKS.md) for the same requests, errors and retries.
     * @default a client for `endpoint`, used for its signer only
     */
    management?: ApiGatewayManagementApiClient;
}

export interface BroadcastResult {
    /** Posts that succeeded. */
    delivered: number;
    /** Connections that were gone (410): their rows were deleted. */
    gone: number;
    /** Posts that failed for another reason after every retry. */
    failed: number;
    /** The first few failures, for the log. */
    failures: { connectionId: string; error: string }[];
}

/** Sends `data` to every id the pages yield; `onGone` forgets a connection that answered 410. */
export type Deliver = (
    pages: AsyncIterator<string[]>,
    data: Uint8Array,
    onGone: (connectionId: string) => Promise<void>,
) => Promise<BroadcastResult>;

const MAX_REPORTED_FAILURES = 10;

/**
 * One keep-alive `@connections` client and the posting loop, to be made once per Lambda environment and reused
 * by every invocation. A gone connection whose rows cannot be deleted is logged and the fan-out goes on: the rows
 * expire by TTL, and the next fan-out tries again. (Comments stay out of the function bodies in this file: a
 * closure serializer copies the bodies into every fan-out's Lambda archive.)
 */
export function createDelivery(options: DeliveryOptions): Deliver {
    const concurrency = options.concurrency ?? 50;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new Error(`broadcast concurrency must be a whole number of at least 1; got ${concurrency}.`);
    }
    const maxAttempts = options.maxAttempts ?? 5;
    const baseDelayMs = options.baseDelayMs ?? 50;
    const postToConnection: PostToConnection = options.management
        ? sendThrough(options.management)
        : createConnectionPoster(new ApiGatewayManagementApiClient({ endpoint: options.endpoint }), options.endpoint, concurrency);

    async function post(
        connectionId: string,
        data: Uint8Array,
        onGone: (connectionId: string) => Promise<void>,
    ): Promise<"delivered" | "gone" | { error: string }> {
        for (let attempt = 1; ; attempt++) {
            try {
                await postToConnection(connectionId, data);
                return "delivered";
            } catch (err) {
                if (isGone(err)) {
                    await onGone(connectionId).catch((deleteError: unknown) => {
                        console.error(
                            JSON.stringify({
                                msg: "broadcast: could not delete a gone connection",
                                connectionId,
                                error: String(deleteError),
                            }),
                        );
                    });
                    return "gone";
                }
                if (!isRetryable(err) || attempt >= maxAttempts) {
                    return { error: describe(err) };
                }
                await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1));
            }
        }
    }

    return async (pages, data, onGone) => {
        const result: BroadcastResult = { delivered: 0, gone: 0, failed: 0, failures: [] };
        await forEachWithConcurrency(pages, concurrency, async (connectionId) => {
            const outcome = await post(connectionId, data, onGone);
            if (outcome === "delivered") result.delivered++;
            else if (outcome === "gone") result.gone++;
            else {
                result.failed++;
                if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ connectionId, error: outcome.error });
            }
        });
        return result;
    };
}

/** Posts through a caller's client, whose own retries (its `maxAttempts`) run inside ours. */
function sendThrough(management: ApiGatewayManagementApiClient): PostToConnection {
    return async (connectionId, data) => {
        await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    };
}

/** A message as bytes, checked against API Gateway's frame limit. */
export function messageBytes(message: unknown): Uint8Array {
    let data: Uint8Array;
    if (typeof message === "string") data = Buffer.from(message, "utf8");
    else if (message instanceof Uint8Array) data = message;
    else {
        throw new TypeError(
            `broadcast sends a string or bytes, not ${message === null ? "null" : typeof message}: serialise objects with JSON.stringify first.`,
        );
    }
    if (data.byteLength > MAX_MESSAGE_BYTES) {
        throw new RangeError(`broadcast message is ${data.byteLength} bytes; API Gateway's limit is ${MAX_MESSAGE_BYTES}.`);
    }
    return data;
}

interface SdkError {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
}

/** SDK v3 errors carry `name` and `$metadata.httpStatusCode`, never `statusCode`. */
function isGone(err: unknown): boolean {
    const e = err as SdkError;
    return e?.name === "GoneException" || e?.$metadata?.httpStatusCode === 410;
}

/** No status: the request never got an answer (reset, timeout), which is worth another try. */
function isRetryable(err: unknown): boolean {
    const status = (err as SdkError)?.$metadata?.httpStatusCode;
    return status === undefined || status === 429 || status >= 500;
}

function describe(err: unknown): string {
    const e = err as SdkError;
    const status = e?.$metadata?.httpStatusCode;
    return `${e?.name ?? "Error"}${status ? ` (${status})` : ""}: ${e?.message ?? String(err)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` over the ids of every page with at most `limit` in flight, across page boundaries: the posts of one
 * page do not wait for the last of the page before (which, at a few ms per post, would idle the fan-out once per
 * page). The next page is read while this one is posted; the first caller to wake takes it and starts reading
 * the one after, the others find it buffered. A failed read rejects the whole run (a pending read is marked
 * handled meanwhile, so that it does not count as unhandled, which kills the runtime). Written here
 * because p-limit and p-map are ES-module only, unusable from a CommonJS closure, and neither reads pages ahead.
 */
async function forEachWithConcurrency(pages: AsyncIterator<string[]>, limit: number, fn: (id: string) => Promise<void>): Promise<void> {
    let buffer: string[] = [];
    let index = 0;
    let exhausted = false;
    const read = () => {
        const next = pages.next();
        next.catch(() => undefined);
        return next;
    };
    let pending = read();
    const nextId = async (): Promise<string | undefined> => {
        while (index >= buffer.length) {
            if (exhausted) return undefined;
            const awaited = pending;
            const page = await awaited;
            if (pending === awaited) {
                if (page.done) {
                    exhausted = true;
                } else {
                    buffer = page.value;
                    index = 0;
                    pending = read();
                }
            }
        }
        return buffer[index++];
    };
    await Promise.all(
        Array.from({ length: limit }, async () => {
            for (let id = await nextId(); id !== undefined; id = await nextId()) await fn(id);
        }),
    );
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
