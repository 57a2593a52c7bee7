import { randomBytes } from "node:crypto";

// What every event, frame and response of the gateway shares: ids, times, hosts. The events themselves are built
// in events/, one builder per shape (docs/events.md).

const ID_BYTES = 11;
// One call for the random bytes of 1,024 ids: a call per id cost the gateway a system call on every request.
let randomPool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * Ids shaped like API Gateway's: 11 random bytes in URL-safe base64 with its padding, 16 characters such as
 * `Xux7aHf-FiAFqTg=` (captured events; docs/events.md).
 */
export function newId(): string {
    if (poolOffset + ID_BYTES > randomPool.length) {
        randomPool = randomBytes(ID_BYTES * 1024);
        poolOffset = 0;
    }
    poolOffset += ID_BYTES;
    return randomPool.toString("base64url", poolOffset - ID_BYTES, poolOffset) + "=";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// Formatted once a second: every event carries the time, and most share their second with the one before.
let formattedSecond = Number.NaN;
let formatted = "";

/** `dd/MMM/yyyy:HH:mm:ss +0000` (B17). */
export function requestTime(epochMs: number): string {
    const second = Math.floor(epochMs / 1000);
    if (second !== formattedSecond) {
        const d = new Date(second * 1000);
        const pad = (n: number) => String(n).padStart(2, "0");
        formatted = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
        formattedSecond = second;
    }
    return formatted;
}

export interface ConnectionInfo {
    connectionId: string;
    connectedAt: number;
    sourceIp: string;
    userAgent?: string;
    /** The `$connect` authorizer's `context` and `principalId`, for the connection's events (B15). */
    authorizer?: Record<string, unknown>;
    /** How long the authorizer took, in ms: the CONNECT event's `authorizer.integrationLatency`. */
    authorizerLatencyMs?: number;
}

/** An API's host on AWS: what its events' `domainName` and its `@connections` endpoint name (B17, B20). */
export const executeApiHost = (apiId: string, region: string): string => `${apiId}.execute-api.${region}.amazonaws.com`;

export interface ApiInfo {
    apiId: string;
    stage: string;
    domainName: string;
}

/** API Gateway's error frames, spaced exactly as AWS sends them (B5–B7). */
export function errorFrame(
    message: "Forbidden" | "Internal server error" | "Endpoint request timed out",
    connectionId: string,
    requestId: string,
): string {
    return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}
