import { wildcardMatches } from "../../graph/iam";
import type { ResourceGraph } from "../../graph/resource-graph";
import type { NotificationSpec, NotificationTarget } from "../../graph/specs";
import type { ObjectEvent } from "./s3-service";

/**
 * S3's notification record for one event (B25). s3rver's own records differ (B27),
 * so the local cloud builds them: form-URL-encoded key, well-formed bucket ARN, the configuration's id, and on
 * ObjectRemoved only `key` and `sequencer`.
 */
export function notificationRecord(event: ObjectEvent, region: string, configurationId: string) {
    const removed = event.eventName.startsWith("ObjectRemoved");
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: region,
        eventTime: event.time,
        eventName: event.eventName,
        userIdentity: { principalId: "AWS:AIDALOCALUSER" },
        requestParameters: { sourceIPAddress: event.sourceIp },
        responseElements: { "x-amz-request-id": event.sequencer.padStart(16, "0").slice(-16), "x-amz-id-2": "local" },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId,
            bucket: { name: event.bucket, ownerIdentity: { principalId: "A000000000000" }, arn: `arn:aws:s3:::${event.bucket}` },
            object: removed
                ? { key: formUrlEncode(event.key), sequencer: event.sequencer }
                : { key: formUrlEncode(event.key), size: event.size ?? 0, eTag: event.eTag ?? "", sequencer: event.sequencer },
        },
    };
}

/** S3 encodes keys in notifications as HTML forms do: `red flower.jpg` → `red+flower.jpg`. */
export function formUrlEncode(key: string): string {
    return encodeURIComponent(key)
        .replace(/%20/g, "+")
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Whether a notification target wants this event: event type (with `*`), then prefix and suffix of the key. */
export function targetMatches(target: NotificationTarget, event: ObjectEvent): boolean {
    const name = `s3:${event.eventName}`;
    return (
        target.events.some((pattern) => wildcardMatches(pattern, name)) &&
        (target.filterPrefix === undefined || event.key.startsWith(target.filterPrefix)) &&
        (target.filterSuffix === undefined || event.key.endsWith(target.filterSuffix))
    );
}

/**
 * S3 refuses a notification configuration unless it may invoke each target function (B26): the same check, at
 * start, with S3's message, naming the resource.
 */
export function validateNotifications(graph: ResourceGraph, accountId: string): void {
    const functions = graph.functions();
    for (const notification of graph.notifications()) {
        for (const target of notification.targets) {
            const fn = functions.find((f) => f.arn === target.functionArn);
            const allowed = fn && graph.permits(fn, "s3.amazonaws.com", `arn:aws:s3:::${notification.bucket}`, accountId);
            if (!allowed) {
                throw new Error(
                    `s3.BucketNotification ${notification.name}: InvalidArgument: Unable to validate the following destination configurations ` +
                        `(${target.functionArn}: no lambda.Permission lets s3.amazonaws.com invoke it for bucket ${notification.bucket}; ` +
                        "create one and make the notification dependsOn it)",
                );
            }
        }
    }
}

/** What invokes a function for an object event: the Lambda runtime's asynchronous invocation. */
export interface AsyncInvoker {
    invokeAsync(reference: string, event: unknown, source: string): void;
}

/**
 * Sends each object event, as S3's record, to every notification target of its bucket that wants it, as S3
 * invokes Lambda: asynchronously, one record per invocation.
 */
export function notificationDispatcher(
    notifications: NotificationSpec[],
    region: string,
    lambda: AsyncInvoker,
): (event: ObjectEvent) => void {
    return (event) => {
        for (const notification of notifications.filter((n) => n.bucket === event.bucket)) {
            for (const target of notification.targets.filter((t) => targetMatches(t, event))) {
                const record = notificationRecord(event, region, notification.name);
                lambda.invokeAsync(target.functionArn, { Records: [record] }, `S3 ${event.eventName} ${event.bucket}/${event.key}`);
            }
        }
    };
}
