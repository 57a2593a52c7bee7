// s3rver ships no type declarations; this is the part of its API the project uses.
declare module "s3rver" {
    import type { EventEmitter } from "node:events";
    import type { IncomingMessage, ServerResponse } from "node:http";
    import type { AddressInfo } from "node:net";
    namespace S3rver {
        interface Options {
            address?: string;
            port?: number;
            silent?: boolean;
            directory?: string;
            resetOnClose?: boolean;
            allowMismatchedSignatures?: boolean;
            configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
        }
        /** The record s3rver emits for each object event (not S3's exact shape). */
        interface ObjectEvent {
            Records: {
                eventName: string;
                eventTime: string;
                requestParameters: { sourceIPAddress: string };
                s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
            }[];
        }
    }
    class S3rver extends EventEmitter {
        constructor(options?: S3rver.Options);
        run(): Promise<AddressInfo>;
        /** Creates the buckets of `configureBuckets` (what `run` does before it listens). */
        configureBuckets(): Promise<void>;
        /** Koa's request handler, for a server of the caller's own. */
        callback(): (req: IncomingMessage, res: ServerResponse) => void;
        close(): Promise<void>;
        on(event: "event", listener: (event: S3rver.ObjectEvent) => void): this;
    }
    export = S3rver;
}
