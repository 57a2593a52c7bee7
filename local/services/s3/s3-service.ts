import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import S3rver from "s3rver";
import type { BucketSpec, CorsRuleSpec } from "../../graph/specs";
import { close, listen } from "../http";
import { corsXml, preflightHeaders, validateCorsRules } from "./cors";

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

/** The part of s3rver's store its types leave out. */
interface Store {
    deleteSubresource(bucket: string, key: undefined, type: "cors"): Promise<void>;
}

/**
 * The program's buckets in s3rver, each with its CORS rules; every object event is reported to `onEvent`.
 * Preflights are answered here, as S3 answers them (see `preflightHeaders`); everything else is s3rver's.
 */
/**
 * s3rver accepts only the key pairs registered with its one account, and takes no more through its options: each
 * function's own pair is registered there (s3rver 3.7's `lib/models/account.js`, pinned by the lock file).
 */
function acceptKeyPair(accessKeyId: string, secretAccessKey: string): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const account = require("s3rver/lib/models/account") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
    account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

export class S3Service {
    private constructor(
        private readonly server: Server,
        readonly endpoint: string,
    ) {}

    static async start(
        buckets: BucketSpec[],
        options: {
            port: number;
            directory: string;
            onEvent: (event: ObjectEvent) => void;
            /** Key pairs accepted beside the local pair: each function's own (functionCredentials). */
            credentials?: { accessKeyId: string; secretAccessKey: string }[];
        },
    ): Promise<S3Service> {
        for (const bucket of buckets) validateCorsRules(bucket.name, bucket.corsRules);
        for (const { accessKeyId, secretAccessKey } of options.credentials ?? []) acceptKeyPair(accessKeyId, secretAccessKey);
        const s3rver = new S3rver({
            silent: true,
            directory: options.directory,
            configureBuckets: buckets.map(({ name, corsRules }) => ({ name, configs: corsRules.length ? [corsXml(corsRules)] : [] })),
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
        // Kept state may hold a CORS configuration the program no longer declares; S3 would have none.
        const store = (s3rver as unknown as { store: Store }).store;
        await Promise.all(buckets.filter((b) => b.corsRules.length === 0).map((b) => store.deleteSubresource(b.name, undefined, "cors")));
        const rules = new Map(buckets.map((b) => [b.name, b.corsRules]));
        const s3rverHandler = s3rver.callback();
        const server = createServer((req, res) => {
            if (!answeredPreflight(req, res, rules)) s3rverHandler(req, res);
        });
        return new S3Service(server, `http://127.0.0.1:${await listen(server, options.port)}`);
    }

    stop(): Promise<void> {
        return close(this.server);
    }
}

/**
 * Answers a path-style preflight that the bucket's rules allow, with S3's headers. A refused one (no matching rule,
 * no CORS configuration) and any malformed one go on to s3rver, which refuses them as S3 does (403 CORSResponse).
 */
function answeredPreflight(req: IncomingMessage, res: ServerResponse, rules: Map<string, CorsRuleSpec[]>): boolean {
    const origin = req.headers.origin;
    const method = req.headers["access-control-request-method"];
    if (req.method !== "OPTIONS" || !origin || typeof method !== "string") return false;
    let bucket: string;
    try {
        bucket = decodeURIComponent(new URL(req.url ?? "/", "http://s3").pathname.split("/")[1] ?? "");
    } catch {
        return false;
    }
    const headers = preflightHeaders(rules.get(bucket) ?? [], {
        origin,
        method,
        headers: (req.headers["access-control-request-headers"] ?? "").split(","),
    });
    if (!headers) return false;
    res.writeHead(200, { ...headers, "Content-Length": "0" }).end();
    return true;
}
