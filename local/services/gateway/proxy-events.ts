import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

const ID_BYTES = 11;
// One call for the random bytes of 1,024 ids: a call per id cost the gateway a system call on every request.
let randomPool = Buffer.alloc(0);
let poolOffset = 0;

/** Ids shaped like API Gateway's: 16 base64 characters, e.g. `Yt3vVeXcoAMCJWg=`. */
export function newId(): string {
    if (poolOffset + ID_BYTES > randomPool.length) {
        randomPool = randomBytes(ID_BYTES * 1024);
        poolOffset = 0;
    }
    poolOffset += ID_BYTES;
    return randomPool.toString("base64", poolOffset - ID_BYTES, poolOffset);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** `dd/MMM/yyyy:HH:mm:ss +0000` (B17). */
export function requestTime(epochMs: number): string {
    const d = new Date(epochMs);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface ConnectionInfo {
    connectionId: string;
    connectedAt: number;
    sourceIp: string;
    userAgent?: string;
    authorizer?: Record<string, unknown>;
}

/** An API's host on AWS: what its events' `domainName` and its `@connections` endpoint name (B17, B20). */
export const executeApiHost = (apiId: string, region: string): string => `${apiId}.execute-api.${region}.amazonaws.com`;

export interface ApiInfo {
    apiId: string;
    stage: string;
    domainName: string;
}

type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

/** The `requestContext` of every Lambda proxy event (B15, B17). */
export function requestContext(
    api: ApiInfo,
    connection: ConnectionInfo,
    routeKey: string,
    eventType: EventType,
    extra: Record<string, unknown> = {},
) {
    const now = Date.now();
    const requestId = newId();
    return {
        routeKey,
        eventType,
        ...(eventType === "MESSAGE" ? { messageId: newId() } : {}),
        extendedRequestId: requestId,
        requestTime: requestTime(now),
        messageDirection: "IN",
        stage: api.stage,
        connectedAt: connection.connectedAt,
        requestTimeEpoch: now,
        identity: { sourceIp: connection.sourceIp, ...(connection.userAgent ? { userAgent: connection.userAgent } : {}) },
        requestId,
        domainName: api.domainName,
        connectionId: connection.connectionId,
        apiId: api.apiId,
        ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
        ...extra,
    };
}

/** The headers and query string of a CONNECT event. */
export type RequestParts = ReturnType<typeof requestParts>;

/** Headers and query string as API Gateway passes them on CONNECT (B12): single- and multi-value. */
export function requestParts(req: IncomingMessage, url: URL) {
    // Maps, not objects: a client's header or parameter may be named `constructor` or `__proto__`.
    const headers = new Map<string, string[]>();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers.set(req.rawHeaders[i], [...(headers.get(req.rawHeaders[i]) ?? []), req.rawHeaders[i + 1]]);
    }
    const query = new Map<string, string[]>();
    for (const [name, value] of url.searchParams) {
        query.set(name, [...(query.get(name) ?? []), value]);
    }
    const single = (map: Map<string, string[]>, join: (values: string[]) => string) =>
        Object.fromEntries([...map].map(([name, values]) => [name, join(values)]));
    return {
        headers: single(headers, (values) => values.join(",")),
        multiValueHeaders: Object.fromEntries(headers),
        ...(query.size > 0
            ? {
                  queryStringParameters: single(query, (values) => values[values.length - 1]),
                  multiValueQueryStringParameters: Object.fromEntries(query),
              }
            : {}),
    };
}

/** API Gateway's error frames, spaced exactly as AWS sends them (B5–B7). */
export function errorFrame(
    message: "Forbidden" | "Internal server error" | "Endpoint request timed out",
    connectionId: string,
    requestId: string,
): string {
    return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}
