import { createServer, type Server } from "node:http";
import S3rver from "s3rver";
import { close, listen } from "../http";

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

/** The program's buckets in s3rver; every object event is reported to `onEvent`. */
export class S3Service {
    private constructor(
        private readonly server: Server,
        readonly endpoint: string,
    ) {}

    static async start(
        buckets: string[],
        options: { port: number; directory: string; onEvent: (event: ObjectEvent) => void },
    ): Promise<S3Service> {
        const s3rver = new S3rver({
            silent: true,
            directory: options.directory,
            configureBuckets: buckets.map((name) => ({ name })),
        });
        s3rver.on("event", (event: S3rver.ObjectEvent) => {
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
        // Our own server rather than s3rver's run(), whose listen error (a port in use) is an uncaught exception.
        await s3rver.configureBuckets();
        const server = createServer(s3rver.callback());
        return new S3Service(server, `http://127.0.0.1:${await listen(server, options.port)}`);
    }

    stop(): Promise<void> {
        return close(this.server);
    }
}
