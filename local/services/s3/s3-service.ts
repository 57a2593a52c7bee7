import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import S3rver from "s3rver";
import type { BucketSpec, CorsRuleSpec } from "../../graph/specs";
import { randomBytes } from "node:crypto";
import { close, listen, readBodyUpTo, replayRequest } from "../http";
import { deniedMessage, type AccessControl, type Caller, type Denial } from "../iam/access-control";
import { deleteObjectsRequests, s3Requests, type S3Call } from "../iam/s3-requests";
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
    existsObject(bucket: string, key: string): Promise<boolean>;
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
            /** IAM for the functions' calls, presigned URLs they signed included; none: every call allowed. */
            access?: AccessControl;
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
        const { access } = options;
        const server = createServer((req, res) => {
            if (answeredPreflight(req, res, rules)) return;
            const caller = access?.callerOfRequest(req);
            if (!caller) return void s3rverHandler(req, res);
            authorized(req, res, caller, access!, store).then(
                (allowed) => allowed && s3rverHandler(allowed, res),
                () => res.destroy(),
            );
        });
        return new S3Service(server, `http://127.0.0.1:${await listen(server, options.port)}`);
    }

    stop(): Promise<void> {
        return close(this.server);
    }
}

/** A DeleteObjects body: at most 1,000 keys of at most 1,024 bytes each, with their XML. */
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Answers a function's call its role (or the bucket's policy) does not allow with S3's 403 `AccessDenied` (P3,
 * P4); otherwise resolves with the request for s3rver, its body read again when IAM had to read it (the keys of
 * a DeleteObjects, read with s3rver's own parser). A DeleteObjects with any key denied is refused whole, where S3
 * answers that key's error alone. A GET or HEAD of a missing object is `AccessDenied` for `s3:ListBucket` unless
 * the role may list the bucket, as S3 answers it (404 `NoSuchKey` only to those who may).
 */
async function authorized(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    access: AccessControl,
    store: Store,
): Promise<IncomingMessage | undefined> {
    if (!req.headers.host) {
        req.resume();
        answerS3Error(res, req.method, 400, "InvalidRequest", "A request needs a Host header.");
        return undefined;
    }
    const call = s3Requests(req.method ?? "GET", req.url ?? "/", req.headers);
    const policy = access.bucketPolicyOf();
    let forward = req;
    let requests = call.requests;
    if (call.multiDelete) {
        const body = await readBodyUpTo(req, MAX_DELETE_BODY_BYTES);
        if (body === undefined) {
            answerS3Error(res, req.method, 400, "MaxMessageLengthExceeded", "Your request was too big.");
            return undefined;
        }
        // A body s3rver refuses (MalformedXML) deletes nothing: it goes on for s3rver's own answer.
        requests = deleteObjectsRequests(call.bucket ?? "", body.toString("utf8")) ?? [];
        forward = replayRequest(req, body);
    }
    const denial = access.check(caller, requests, policy) ?? (await missingObjectDenial(call, caller, access, store));
    if (denial === undefined) return forward;
    req.resume();
    answerS3Error(res, req.method, 403, "AccessDenied", deniedMessage(denial, `"${denial.resource}"`));
    return undefined;
}

/** For a GET or HEAD of an object that does not exist: the denial of `s3:ListBucket`, if the role may not list. */
async function missingObjectDenial(call: S3Call, caller: Caller, access: AccessControl, store: Store): Promise<Denial | undefined> {
    const [first] = call.requests;
    if (call.bucket === undefined || call.key === undefined || first?.action !== "s3:GetObject") return undefined;
    if (await store.existsObject(call.bucket, call.key).catch(() => true)) return undefined;
    return access.check(caller, [{ action: "s3:ListBucket", resource: `arn:aws:s3:::${call.bucket}` }], access.bucketPolicyOf());
}

/** S3's XML error; a HEAD's answer has the status alone. */
function answerS3Error(res: ServerResponse, method: string | undefined, status: number, code: string, message: string): void {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const hostId = randomBytes(48).toString("base64");
    res.writeHead(status, { "content-type": "application/xml", "x-amz-request-id": requestId, "x-amz-id-2": hostId });
    if (method === "HEAD") return void res.end();
    res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
            `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
    );
}

const escapeXml = (text: string) =>
    text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

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
