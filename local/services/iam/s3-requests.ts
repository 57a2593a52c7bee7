import { createRequire } from "node:module";
import { isIP } from "node:net";
import { hostname } from "node:os";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthorizationRequest } from "../../graph/policies";

/** The condition keys these requests carry, for the policy compiler. */
export const S3_CONDITION_KEYS = [
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:VersionId",
    "s3:authType",
    "s3:signatureversion",
    "s3:x-amz-acl",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-storage-class",
];

/** One S3 call as IAM sees it: its bucket (for the bucket policy) and the requests it makes. */
export interface S3Call {
    bucket?: string;
    key?: string;
    /** `DeleteObjects`: its keys are in the body, each asking for `s3:DeleteObject` (see `deleteObjectsRequests`). */
    multiDelete: boolean;
    requests: AuthorizationRequest[];
}

/** Bucket subresource → the action reading it (GET), writing it (PUT) and removing it (DELETE). */
const BUCKET_SUBRESOURCES: Record<string, [get: string, put?: string, remove?: string]> = {
    acl: ["GetBucketAcl", "PutBucketAcl"],
    cors: ["GetBucketCORS", "PutBucketCORS", "PutBucketCORS"],
    encryption: ["GetEncryptionConfiguration", "PutEncryptionConfiguration", "PutEncryptionConfiguration"],
    lifecycle: ["GetLifecycleConfiguration", "PutLifecycleConfiguration", "PutLifecycleConfiguration"],
    location: ["GetBucketLocation"],
    logging: ["GetBucketLogging", "PutBucketLogging"],
    notification: ["GetBucketNotification", "PutBucketNotification"],
    "object-lock": ["GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration"],
    ownershipControls: ["GetBucketOwnershipControls", "PutBucketOwnershipControls", "PutBucketOwnershipControls"],
    policy: ["GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"],
    publicAccessBlock: ["GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock", "PutBucketPublicAccessBlock"],
    replication: ["GetReplicationConfiguration", "PutReplicationConfiguration", "PutReplicationConfiguration"],
    tagging: ["GetBucketTagging", "PutBucketTagging", "PutBucketTagging"],
    uploads: ["ListBucketMultipartUploads"],
    versioning: ["GetBucketVersioning", "PutBucketVersioning"],
    versions: ["ListBucketVersions"],
    website: ["GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"],
};

/** Object subresource → the action of GET, PUT and DELETE on it, and of the same on one version. */
const OBJECT_SUBRESOURCES: Record<string, { get?: string; put?: string; remove?: string; versioned?: boolean }> = {
    acl: { get: "GetObjectAcl", put: "PutObjectAcl", versioned: true },
    tagging: { get: "GetObjectTagging", put: "PutObjectTagging", remove: "DeleteObjectTagging", versioned: true },
    retention: { get: "GetObjectRetention", put: "PutObjectRetention" },
    "legal-hold": { get: "GetObjectLegalHold", put: "PutObjectLegalHold" },
    attributes: { get: "GetObjectAttributes", versioned: true },
    torrent: { get: "GetObjectTorrent", versioned: true },
};

/**
 * The IAM requests one S3 REST call makes, as the Service Authorization Reference defines them (P3): GET and HEAD
 * of an object `s3:GetObject` on `arn:aws:s3:::{bucket}/{key}`, a listing `s3:ListBucket` on the bucket's ARN, a
 * subresource its own action (`?tagging` → `s3:GetObjectTagging`), a version `…Version`; a copy also reads its
 * source, ACL or tagging headers on a PUT also ask for `s3:PutObjectAcl` / `s3:PutObjectTagging`; every multipart
 * step but the abort is `s3:PutObject`.
 */
export function s3Requests(method: string, rawUrl: string, rawHeaders: IncomingHttpHeaders): S3Call {
    const { path, query } = requestTarget(rawUrl);
    const headers = withQueryHeaders(rawHeaders, query);
    const { bucket, key } = bucketAndKey(path, String(headers.host ?? ""));
    const versionId = query.get("versionId") ?? undefined;
    const context: AuthorizationRequest["context"] = {
        "s3:authType": query.has("X-Amz-Credential") ? "REST-QUERY-STRING" : "REST-HEADER",
        "s3:signatureversion": "AWS4-HMAC-SHA256",
        "s3:x-amz-content-sha256": header(headers, "x-amz-content-sha256"),
        "s3:VersionId": versionId,
    };
    const on = (action: string, resource: string, extra: AuthorizationRequest["context"] = {}): AuthorizationRequest => ({
        action: `s3:${action}`,
        resource,
        context: { ...context, ...extra },
    });
    const call = (requests: AuthorizationRequest[], multiDelete = false): S3Call => ({ bucket, key, multiDelete, requests });
    if (bucket === undefined) return call([on("ListAllMyBuckets", "*")]);
    const bucketArn = `arn:aws:s3:::${bucket}`;
    if (key === undefined) {
        const sub = Object.keys(BUCKET_SUBRESOURCES).find((name) => query.has(name));
        if (method === "POST" && query.has("delete")) return call([], true);
        if (sub) {
            const [get, put, remove] = BUCKET_SUBRESOURCES[sub];
            const action = method === "PUT" ? put : method === "DELETE" ? remove : get;
            return call([on(action ?? `${method}Bucket${sub}`, bucketArn)]);
        }
        if (method === "PUT") return call([on("CreateBucket", bucketArn, { "s3:x-amz-acl": header(headers, "x-amz-acl") })]);
        // A form upload: its key, like its credential, is in the form, so this stands for any key.
        if (method === "POST") return call([on("PutObject", `${bucketArn}/*`)]);
        if (method === "DELETE") return call([on("DeleteBucket", bucketArn)]);
        return call([
            on("ListBucket", bucketArn, {
                "s3:prefix": query.get("prefix") ?? undefined,
                "s3:delimiter": query.get("delimiter") ?? undefined,
                "s3:max-keys": query.get("max-keys") ?? undefined,
            }),
        ]);
    }
    const objectArn = `${bucketArn}/${key}`;
    // One version's action names it after "Object": GetObjectVersion, PutObjectVersionTagging, GetObjectVersionAcl.
    const version = (action: string) => (versionId !== undefined ? action.replace("Object", "ObjectVersion") : action);
    const sub = Object.keys(OBJECT_SUBRESOURCES).find((name) => query.has(name));
    if (sub) {
        const actions = OBJECT_SUBRESOURCES[sub];
        const action = method === "PUT" ? actions.put : method === "DELETE" ? actions.remove : actions.get;
        const named = action ?? `${method}Object${sub}`;
        return call([on(actions.versioned ? version(named) : named, objectArn)]);
    }
    if (method === "GET" && query.has("uploadId")) return call([on("ListMultipartUploadParts", objectArn)]);
    if (method === "GET" || method === "HEAD") return call([on(version("GetObject"), objectArn)]);
    if (method === "DELETE") return call([on(query.has("uploadId") ? "AbortMultipartUpload" : version("DeleteObject"), objectArn)]);
    if (method === "POST") {
        if (query.has("restore")) return call([on("RestoreObject", objectArn)]);
        if (query.has("select")) return call([on("GetObject", objectArn)]);
        return call([on("PutObject", objectArn)]);
    }
    const acl = header(headers, "x-amz-acl");
    const copySource = header(headers, "x-amz-copy-source");
    const put = on("PutObject", objectArn, {
        "s3:x-amz-acl": acl,
        "s3:x-amz-copy-source": copySource,
        "s3:x-amz-metadata-directive": header(headers, "x-amz-metadata-directive"),
        "s3:x-amz-server-side-encryption": header(headers, "x-amz-server-side-encryption"),
        "s3:x-amz-storage-class": header(headers, "x-amz-storage-class"),
    });
    const requests = [put];
    if (acl !== undefined || Object.keys(headers).some((name) => name.startsWith("x-amz-grant-"))) {
        requests.push(on("PutObjectAcl", objectArn));
    }
    if (header(headers, "x-amz-tagging") !== undefined) requests.push(on("PutObjectTagging", objectArn));
    if (copySource !== undefined) requests.push(copySourceRequest(copySource, on));
    return call(requests);
}

/** s3rver's own XML parser and entity decoder, resolved from s3rver itself: the keys IAM reads are the ones it deletes. */
const fromS3rver = createRequire(require.resolve("s3rver"));
const xmlParser = fromS3rver("fast-xml-parser") as {
    validate(xml: string): true | object;
    parse(xml: string, options: { tagValueProcessor: (value: string) => string }): unknown;
};
const he = fromS3rver("he") as { decode(text: string): string };

/**
 * `DeleteObjects`: one `s3:DeleteObject` (or `…Version`) per `<Object>`, read as s3rver reads it (`lib/controllers/
 * object.js`), or undefined for a body s3rver refuses as MalformedXML before deleting anything.
 */
export function deleteObjectsRequests(bucket: string, xml: string): AuthorizationRequest[] | undefined {
    if (xmlParser.validate(xml) !== true) return undefined;
    const parsed = xmlParser.parse(xml, { tagValueProcessor: (value) => he.decode(value) }) as { Delete?: { Object?: unknown } };
    if (!parsed?.Delete?.Object) return undefined;
    return [parsed.Delete.Object].flat().map((object) => {
        const { Key, VersionId } = (object ?? {}) as { Key?: unknown; VersionId?: unknown };
        return {
            action: VersionId === undefined ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
            resource: `arn:aws:s3:::${bucket}/${String(Key)}`,
            context: { "s3:VersionId": VersionId === undefined ? undefined : String(VersionId) },
        };
    });
}

/** The read of a copy's source (`/bucket/key?versionId=…`, URL-encoded). */
function copySourceRequest(
    source: string,
    on: (action: string, resource: string, extra?: AuthorizationRequest["context"]) => AuthorizationRequest,
): AuthorizationRequest {
    const [path, search = ""] = source.split("?");
    const versioned = new URLSearchParams(search).has("versionId");
    return on(versioned ? "GetObjectVersion" : "GetObject", `arn:aws:s3:::${decode(path.replace(/^\//, ""))}`);
}

/**
 * A request target's path, as written (s3rver routes on it undecoded and unnormalized, so `.` and `..` are a key's
 * own characters), and its query. An absolute-form target (`http://host/path`) has its scheme and authority dropped,
 * as Node's URL parsing, which Koa uses, drops them.
 */
export function requestTarget(raw: string): { path: string; query: URLSearchParams } {
    const [target, search = ""] = splitOnce(raw, "?");
    const path = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.test(target)
        ? target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "") || "/"
        : target;
    return { path, query: new URLSearchParams(search) };
}

/** The headers s3rver acts on: a request's `x-amz-*` query parameters over its headers (`lib/middleware/authentication.js`). */
function withQueryHeaders(headers: IncomingHttpHeaders, query: URLSearchParams): IncomingHttpHeaders {
    const merged: IncomingHttpHeaders = { ...headers };
    for (const [name, value] of query) if (name.toLowerCase().startsWith("x-amz-")) merged[name.toLowerCase()] = value;
    return merged;
}

/**
 * The bucket and key of a request, as s3rver (3.7, `lib/middleware/vhost.js`, on Koa's `hostname`) resolves them:
 * a `{bucket}.s3….amazonaws.com` host, else any host that is neither an IP address nor `localhost` names the
 * bucket (`[::1]` included: Koa keeps its brackets), else the path's first segment does; the key is the rest,
 * decoded as its router decodes it.
 */
export function bucketAndKey(path: string, host: string): { bucket?: string; key?: string } {
    const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1).toLowerCase() : host.split(":")[0];
    const aws = /^(?:(.+)\.)?s3(-website)?([-.].+)?\.amazonaws\.com$/.exec(name);
    const segments = path.split("/").slice(1);
    const hostBucket = aws ? aws[1] : !isIP(name) && !["localhost", hostname()].includes(name) ? name : undefined;
    if (hostBucket !== undefined) return { bucket: optional(hostBucket), key: optional(decode(segments.join("/"))) };
    const [first = "", ...rest] = segments;
    return { bucket: optional(decode(first)), key: optional(decode(rest.join("/"))) };
}

function splitOnce(text: string, separator: string): [string, string?] {
    const at = text.indexOf(separator);
    return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

const optional = (text: string) => (text === "" ? undefined : text);

function decode(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value.join(",") : value;
}
