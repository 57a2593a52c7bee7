import type { S3Event, S3EventRecord } from "aws-lambda";
import type { S3ObjectMessage } from "../protocol/channels";
import type { BroadcastResult } from "./delivery";
import type { Publisher } from "./publish";
import type { SegmentDispatcher } from "./segmented-fanout";

export type { S3ObjectMessage } from "../protocol/channels";

export type FanoutResult = Omit<BroadcastResult, "failures"> & {
    records: number;
    /** Worker invocations started for records whose fan-out was split; their posts are counted in the workers' logs. */
    segmentsInvoked: number;
};

/**
 * S3 notification keys are form-URL-encoded (`red flower.jpg` arrives as `red+flower.jpg`). A key that is not
 * valid encoding is passed on as S3 sent it rather than dropping the event.
 */
export function decodeS3Key(key: string): string {
    try {
        return decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
        return key;
    }
}

export function s3ObjectMessage(record: S3EventRecord): S3ObjectMessage {
    const object = record.s3.object;
    return {
        type: "s3",
        event: record.eventName,
        bucket: record.s3.bucket.name,
        key: decodeS3Key(object.key),
        size: object.size,
        eTag: object.eTag,
        versionId: object.versionId,
        time: record.eventTime,
    };
}

/**
 * The S3-triggered fan-out: each record becomes one JSON message, serialised once and sent to the subscribers of
 * every channel its key lies under (docs/channels.md), by this invocation (a `Publisher`) or by worker invocations
 * that each post to one segment of them (a `SegmentDispatcher`).
 * It logs `{ delivered, gone, failed }` as one line, and throws when a post failed for a reason other than a gone
 * connection, so that Lambda's asynchronous retries and failure destination apply.
 */
export function s3FanoutHandler(sender: Publisher | SegmentDispatcher) {
    return async (event: S3Event): Promise<FanoutResult> => {
        const total: FanoutResult = { records: 0, delivered: 0, gone: 0, failed: 0, segmentsInvoked: 0 };
        const failures: BroadcastResult["failures"] = [];
        for (const record of event.Records ?? []) {
            if (!record?.s3?.object || !record.s3.bucket) {
                console.warn(
                    JSON.stringify({ msg: "fanout: skipped a record that is not an S3 object event", eventName: record?.eventName }),
                );
                continue;
            }
            const object = s3ObjectMessage(record);
            const message = JSON.stringify(object);
            total.records++;
            if ("dispatch" in sender) {
                total.segmentsInvoked += await sender.dispatch(object.key, message);
                continue;
            }
            const result = await sender.publishMessage(object.key, message);
            total.delivered += result.delivered;
            total.gone += result.gone;
            total.failed += result.failed;
            failures.push(...result.failures);
        }
        console.log(JSON.stringify({ msg: "fanout", ...total, failures: failures.slice(0, 10) }));
        if (total.failed > 0) {
            throw new Error(
                `fanout: ${total.failed} of ${total.delivered + total.gone + total.failed} posts failed; first: ${failures[0]?.error}`,
            );
        }
        return total;
    };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
