import S3rver from "s3rver";
import { globMatches, type LocalGraph, type LocalNotification } from "../graph/resource-graph";

/** An object event as the local S3 saw it, before it is shaped as S3's notification record. */
export interface ObjectEvent {
    /** Without the `s3:` prefix, e.g. `ObjectCreated:Put`. */
    eventName: string;
    bucket: string;
    /** The key as stored (not encoded). */
    key: string;
    size?: number;
    eTag?: string;
    sequencer: string;
    sourceIp: string;
    time: string;
}

/**
 * S3's notification record for one event (apigw-websocket-behaviour.md B25). s3rver's own records differ (B27),
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
export function targetMatches(target: LocalNotification["targets"][number], event: ObjectEvent): boolean {
    const name = `s3:${event.eventName}`;
    return (
        target.events.some((pattern) => globMatches(pattern, name)) &&
        (target.filterPrefix === undefined || event.key.startsWith(target.filterPrefix)) &&
        (target.filterSuffix === undefined || event.key.endsWith(target.filterSuffix))
    );
}

/**
 * S3 refuses a notification configuration unless it may invoke each target function (B26): the same check, at
 * start, with S3's message, naming the resource.
 */
export function validateNotifications(graph: LocalGraph, accountId: string): void {
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

/** The program's buckets in s3rver; every object event is reported to `onEvent`. */
export class LocalS3 {
    private constructor(
        private readonly server: S3rver,
        readonly endpoint: string,
    ) {}

    static async start(
        buckets: string[],
        options: { port: number; directory: string; onEvent: (event: ObjectEvent) => void },
    ): Promise<LocalS3> {
        const server = new S3rver({
            address: "127.0.0.1",
            port: options.port,
            silent: true,
            directory: options.directory,
            configureBuckets: buckets.map((name) => ({ name })),
        });
        server.on("event", (event: S3rver.ObjectEvent) => {
            for (const record of event.Records) {
                options.onEvent({
                    eventName: record.eventName,
                    bucket: record.s3.bucket.name,
                    key: record.s3.object.key,
                    size: record.s3.object.size,
                    eTag: record.s3.object.eTag,
                    sequencer: record.s3.object.sequencer,
                    sourceIp: (record.requestParameters.sourceIPAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
                    time: record.eventTime,
                });
            }
        });
        const address = await server.run();
        return new LocalS3(server, `http://127.0.0.1:${address.port}`);
    }

    async stop(): Promise<void> {
        await this.server.close();
    }
}
