import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { matchingChannels } from "../protocol/channels";
import type { BroadcastResult } from "./delivery";
import type { Publisher } from "./publish";
import { hasMoreSubscriptionsThan, SUBSCRIPTION_SHARDS, subscriptionStoreFromEnvironment, type SubscriptionStore } from "./subscriptions";

/** A segment is a range of the subscription rows' shards, so there are at most as many segments as shards. */
export const MAX_TOTAL_SEGMENTS = SUBSCRIPTION_SHARDS;

/** What the fan-out worker is invoked with: one message, for the subscribers of `name` in one segment of the shards. */
export interface FanoutSegmentEvent {
    message: string;
    /** The object key (or published channel) whose matching channels the message goes to. */
    name: string;
    segment: { index: number; total: number };
}

export interface SegmentDispatcherOptions {
    store: SubscriptionStore;
    lambda: LambdaClient;
    /** The worker function's name or ARN. */
    workerFunction: string;
    /** Worker invocations per message (DynamoDB `TotalSegments`). */
    segments: number;
    /** Split only when the matching channels hold more subscriptions than this; at or below it one worker posts to all. 0: always split. */
    segmentAbove: number;
}

export interface SegmentDispatcher {
    /** Invokes the worker asynchronously once per segment for `message` (once in all for few subscribers); returns how many times. */
    dispatch(name: string, message: string): Promise<number>;
}

/** The dispatcher the component configures through the environment. */
export function segmentDispatcherFromEnvironment(env: NodeJS.ProcessEnv = process.env): SegmentDispatcher {
    const workerFunction = env.FANOUT_WORKER_FUNCTION;
    if (!workerFunction) {
        throw new Error("FANOUT_WORKER_FUNCTION is not set: a segmented fan-out needs the worker function's name.");
    }
    return createSegmentDispatcher({
        store: subscriptionStoreFromEnvironment(env),
        lambda: new LambdaClient({}),
        workerFunction,
        segments: Number(env.FANOUT_SEGMENTS),
        segmentAbove: Number(env.FANOUT_SEGMENT_ABOVE ?? "0"),
    });
}

export function createSegmentDispatcher(options: SegmentDispatcherOptions): SegmentDispatcher {
    const { segments, segmentAbove } = options;
    if (!Number.isInteger(segments) || segments < 1 || segments > MAX_TOTAL_SEGMENTS) {
        throw new Error(`fan-out segments must be a whole number from 1 to ${MAX_TOTAL_SEGMENTS}; got ${segments}.`);
    }
    if (!Number.isInteger(segmentAbove) || segmentAbove < 0) {
        throw new Error(`fan-out segmentAbove must be a whole number of at least 0; got ${segmentAbove}.`);
    }
    return {
        async dispatch(name, message) {
            const small = segmentAbove > 0 && !(await hasMoreSubscriptionsThan(options.store, matchingChannels(name), segmentAbove));
            const total = small ? 1 : segments;
            const outcomes = await Promise.allSettled(
                Array.from({ length: total }, (_, index) => {
                    const event: FanoutSegmentEvent = { message, name, segment: { index, total } };
                    return options.lambda.send(
                        new InvokeCommand({
                            FunctionName: options.workerFunction,
                            InvocationType: "Event",
                            Payload: Buffer.from(JSON.stringify(event)),
                        }),
                    );
                }),
            );
            const failed = outcomes.flatMap((outcome, index) =>
                outcome.status === "rejected" ? [{ index, error: String(outcome.reason) }] : [],
            );
            if (failed.length > 0) {
                // Lambda retries this whole event: segments already invoked post again (at least once, never lost).
                throw new Error(
                    `fanout: could not invoke ${failed.length} of ${total} segments (${failed
                        .slice(0, 5)
                        .map((f) => f.index)
                        .join(", ")}); first: ${failed[0].error}`,
                );
            }
            return total;
        },
    };
}

/** Checks a worker event; a malformed one is an error (Lambda retries it, then keeps it in the failure destination). */
export function parseFanoutSegmentEvent(event: unknown): FanoutSegmentEvent {
    const candidate = event as Partial<FanoutSegmentEvent> | null;
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) {
        throw new TypeError(
            `fanout worker: expected {message, name, segment: {index, total}}, got ${candidate === null ? "null" : Array.isArray(candidate) ? "an array" : typeof candidate}.`,
        );
    }
    if (typeof candidate.message !== "string") {
        throw new TypeError(`fanout worker: message must be a string, got ${typeof candidate.message}.`);
    }
    if (typeof candidate.name !== "string") {
        throw new TypeError(`fanout worker: name must be a string (an object key or channel), got ${typeof candidate.name}.`);
    }
    const { index, total } = (candidate.segment ?? {}) as Partial<FanoutSegmentEvent["segment"]>;
    if (
        !Number.isInteger(total) ||
        total! < 1 ||
        total! > MAX_TOTAL_SEGMENTS ||
        !Number.isInteger(index) ||
        index! < 0 ||
        index! >= total!
    ) {
        throw new RangeError(
            `fanout worker: segment must be {index, total} with 0 ≤ index < total ≤ ${MAX_TOTAL_SEGMENTS}; got ${JSON.stringify(candidate.segment)}.`,
        );
    }
    return { message: candidate.message, name: candidate.name, segment: { index: index!, total: total! } };
}

export type SegmentResult = Omit<BroadcastResult, "failures"> & { segment: FanoutSegmentEvent["segment"] };

/**
 * The fan-out worker: posts one message to the subscribers of one segment of the shards. Like the S3-triggered
 * fan-out, it throws when a post failed for a reason other than a gone connection, so that its retries apply.
 */
export function fanoutSegmentHandler(publisher: Publisher) {
    return async (event: unknown): Promise<SegmentResult> => {
        const { message, name, segment } = parseFanoutSegmentEvent(event);
        const { failures, ...counts } = await publisher.publishMessage(name, message, segment);
        console.log(JSON.stringify({ msg: "fanout segment", segment, ...counts, failures }));
        if (counts.failed > 0) {
            throw new Error(
                `fanout segment ${segment.index}/${segment.total}: ${counts.failed} posts failed; first: ${failures[0]?.error}`,
            );
        }
        return { segment, ...counts };
    };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
