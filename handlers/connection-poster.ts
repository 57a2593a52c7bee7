import {
    ApiGatewayManagementApiServiceException,
    ForbiddenException,
    GoneException,
    LimitExceededException,
    PayloadTooLargeException,
    type ApiGatewayManagementApiClient,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { loadRestJsonErrorCode } from "@aws-sdk/core/protocols";
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";

// PostToConnection without the SDK's per-call middleware stack, whose CPU per post bounds a fan-out's rate
// (BENCHMARKS.md, "Fan-out"). The request is the one the SDK sends (B21), signed by the
// client's own SigV4 signer with its credentials, region and cached signing key, over a keep-alive agent; an
// error answer becomes the exception the SDK would throw (B22). Written by hand because no library posts a blob
// to `@connections` without the client's middleware.

/** One `@connections` POST: resolves on 2xx, rejects with the SDK v3 exception for the answer or the network error. */
export type PostToConnection = (connectionId: string, data: Uint8Array) => Promise<void>;

const SIGNING_SERVICE = "execute-api";

/**
 * The modelled errors of the service (B22), by the name `x-amzn-ErrorType` carries. A function, not a table: a
 * closure serializer copies a table's classes into the archive, but keeps a function's module reference a `require`.
 */
function modelledError(name: string | undefined) {
    switch (name) {
        case "GoneException":
            return GoneException;
        case "ForbiddenException":
            return ForbiddenException;
        case "LimitExceededException":
            return LimitExceededException;
        case "PayloadTooLargeException":
            return PayloadTooLargeException;
        default:
            return undefined;
    }
}

/**
 * A poster for `endpoint` (the stage's `@connections` base), signing as `management` would and keeping at most
 * `maxSockets` connections open. The signer is looked up once (a failed credentials or region lookup is tried again
 * by the next post); every post of a fan-out sends the same bytes, so their payload hash is computed once. Comments
 * stay out of the function bodies here: a closure serializer copies bodies into the Lambda archive.
 */
export function createConnectionPoster(management: ApiGatewayManagementApiClient, endpoint: string, maxSockets: number): PostToConnection {
    const base = parseEndpoint(endpoint);
    const agent = new (base.protocol === "https:" ? https : http).Agent({ keepAlive: true, maxSockets });
    const { config } = management;
    let signing: Promise<{ region: string; signer: Awaited<ReturnType<typeof config.signer>> }> | undefined;
    const signer = () =>
        (signing ??= (async () => {
            const region = await config.region();
            return {
                region,
                signer: await config.signer({ name: "sigv4", signingName: SIGNING_SERVICE, signingRegion: region, properties: {} }),
            };
        })().catch((err: unknown) => {
            signing = undefined;
            throw err;
        }));
    let hashed: { data: Uint8Array; sha256: string } | undefined;

    return async (connectionId, data) => {
        const { region, signer: sign } = await signer();
        if (hashed?.data !== data) hashed = { data, sha256: createHash("sha256").update(data).digest("hex") };
        const label = encodeURIComponent(connectionId).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        const headers = {
            host: base.host,
            "content-type": "application/octet-stream",
            "content-length": String(data.byteLength),
            "x-amz-content-sha256": hashed.sha256,
        };
        const request = {
            method: "POST",
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            path: `${base.path}/@connections/${label}`,
            query: {},
            headers,
            body: data,
        };
        const signingDate = new Date(Date.now() + (config.systemClockOffset ?? 0));
        const signed = await sign.sign(request, { signingDate, signingRegion: region, signingService: SIGNING_SERVICE });
        const answer = await send(
            base.protocol,
            { method: "POST", hostname: base.hostname, port: base.port, path: signed.path, headers: signed.headers, agent },
            data,
        );
        if (answer.status < 200 || answer.status > 299) throw serviceError(answer);
    };
}

interface Endpoint {
    protocol: "http:" | "https:";
    hostname: string;
    host: string;
    port: number | undefined;
    /** The stage's path, without a trailing slash. */
    path: string;
}

function parseEndpoint(endpoint: string): Endpoint {
    const expected = "expected https://{apiId}.execute-api.{region}.amazonaws.com/{stage}";
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new Error(`the @connections endpoint "${endpoint}" is not a URL; ${expected}.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new Error(`the @connections endpoint "${endpoint}" is not http(s); ${expected}.`);
    return {
        protocol: url.protocol,
        hostname: url.hostname,
        host: url.host,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname.replace(/\/+$/, ""),
    };
}

interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}

/**
 * One request; a success's body (empty) is left unread, an error's is the JSON its name and message come from. The
 * module's `request` is looked up per call, not imported by name: the local cloud redirects execute-api hosts by
 * replacing it.
 */
function send(protocol: Endpoint["protocol"], options: http.RequestOptions, body: Uint8Array): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const req = (protocol === "https:" ? https : http).request(options, (res) => {
            const status = res.statusCode ?? 0;
            const chunks: Buffer[] = [];
            if (status >= 200 && status < 300) res.resume();
            else res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
    });
}

/**
 * The exception SDK v3 throws for an error answer: its class, `name`, `message`, `$fault` and `$metadata`. As the
 * SDK does, a body that is not JSON is a deserialization error carrying the answer's metadata.
 */
function serviceError(answer: Answer): Error {
    const header = (name: string) => answer.headers[name]?.toString();
    const $metadata = {
        httpStatusCode: answer.status,
        requestId: header("x-amzn-requestid") ?? header("x-amzn-request-id") ?? header("x-amz-request-id"),
        extendedRequestId: header("x-amz-id-2"),
        cfId: header("x-amz-cf-id"),
        attempts: 1,
        totalRetryDelay: 0,
    };
    let data: Record<string, unknown> = {};
    const text = answer.body.toString("utf8");
    try {
        const parsed: unknown = text.trim() === "" ? {} : JSON.parse(text);
        if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
    } catch (err) {
        return Object.assign(err as SyntaxError, { $metadata });
    }
    const message = String(data.message ?? data.Message ?? "UnknownError");
    const name = loadRestJsonErrorCode({ statusCode: answer.status, headers: answer.headers as Record<string, string> }, data);
    const Modelled = modelledError(name);
    if (Modelled) return new Modelled({ message, $metadata });
    return new ApiGatewayManagementApiServiceException({
        name: name ?? "Unknown",
        message,
        $fault: answer.status >= 500 ? "server" : "client",
        $metadata,
    });
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
