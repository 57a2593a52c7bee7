import { ApiGatewayManagementApiServiceException, type ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";

// PostToConnection without the SDK's per-call middleware stack, whose CPU per post bounds a fan-out's rate
// (BENCHMARKS.md, "Fan-out"). The request is the one the SDK sends (B21), signed by the
// client's own SigV4 signer with its credentials, region and cached signing key, over a keep-alive agent; an
// error answer becomes the exception the SDK would throw (B22). Written by hand because no library posts a blob
// to `@connections` without the client's middleware.

/** One `@connections` POST: resolves on 2xx, rejects with the SDK v3 service exception for the answer, or the network error. */
export type PostToConnection = (connectionId: string, data: Uint8Array) => Promise<void>;

const SIGNING_SERVICE = "execute-api";

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
        const sentAt = Date.now();
        const answer = await send(
            base.protocol,
            { method: "POST", hostname: base.hostname, port: base.port, path: signed.path, headers: signed.headers, agent },
            data,
        );
        const serverTime = answer.headers.age === undefined ? Date.parse(String(answer.headers.date)) : NaN;
        if (!Number.isNaN(serverTime) && Date.now() - sentAt <= 900_000) config.systemClockOffset = serverTime - Date.now();
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
    const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
    if (url?.protocol !== "https:" && url?.protocol !== "http:") {
        throw new Error(
            `the @connections endpoint "${endpoint}" is not an http(s) URL; expected https://{apiId}.execute-api.{region}.amazonaws.com/{stage}.`,
        );
    }
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
 * The exception SDK v3 throws for an error answer: its \`name\`, \`message\`, \`$fault\` and \`$metadata\` (the class is
 * the service's base exception, which only callers of the client's \`send\` see otherwise). The name is read where
 * restJson1 puts it and as the SDK reads it (its loadRestJsonErrorCode, internal to the SDK, which the Lambda
 * runtime's need not export): the \`x-amzn-ErrorType\` header, else the body's \`code\`, else its \`__type\`; cut at ","
 * and ":", the namespace before "#" dropped. As the SDK does, a body that is not JSON is a deserialization error
 * carrying the answer's metadata.
 */
function serviceError(answer: Answer): Error {
    const { headers, status } = answer;
    const header = (name: string) => headers[name]?.toString();
    const $metadata = {
        httpStatusCode: status,
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
    const key = (object: object, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name);
    const headerKey = key(headers, "x-amzn-errortype");
    const codeKey = key(data, "code");
    const raw =
        headerKey !== undefined ? headers[headerKey] : codeKey !== undefined && data[codeKey] !== undefined ? data[codeKey] : data.__type;
    const code = raw === undefined ? "Unknown" : String(raw).split(",")[0].split(":")[0];
    return new ApiGatewayManagementApiServiceException({
        name: code.includes("#") ? code.split("#")[1] : code,
        message: String(data.message ?? data.Message ?? "UnknownError"),
        $fault: status >= 500 ? "server" : "client",
        $metadata,
    });
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
