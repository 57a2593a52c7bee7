import type { IncomingMessage } from "node:http";
import type { ApiInfo, ConnectionInfo } from "../proxy-events";
import { newRequest, type RequestStamp } from "./request-context";
import { traceRoot } from "../../trace-id";

/** Headers and query string, single- and multi-value, as the CONNECT and authorizer events carry them (B12). */
export interface RequestParts {
    headers: Record<string, string>;
    multiValueHeaders: Record<string, string[]>;
    queryStringParameters?: Record<string, string>;
    multiValueQueryStringParameters?: Record<string, string[]>;
}

/** The `$connect` request: built once per handshake, for the authorizer event and the CONNECT event. */
export interface Handshake extends RequestParts {
    request: RequestStamp;
}

// Hop-by-hop headers: no captured CONNECT event has them, though every WebSocket client sends both.
const DROPPED = new Set(["connection", "upgrade"]);
// Set by API Gateway, whatever the client sent under these names.
const SET_BY_AWS = new Set(["host", "x-forwarded-port", "x-forwarded-proto"]);

/**
 * The handshake as API Gateway forwards it: the client's headers without `Connection` and `Upgrade`, `Host` the
 * API's AWS domain name (the events' `domainName`), `X-Forwarded-For` ending with the client's address, port 443 and
 * https, an `X-Amzn-Trace-Id` unless the client sent one; `queryStringParameters` only when there is a query (B12).
 */
export function handshake(req: Pick<IncomingMessage, "rawHeaders">, url: URL, connection: ConnectionInfo, api: ApiInfo): Handshake {
    const request = newRequest(connection.connectedAt);
    // Maps, not objects: a client's header or parameter may be named `constructor` or `__proto__`.
    const headers = new Map<string, string[]>();
    const forwardedFor: string[] = [];
    let traced = false;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
        const lower = name.toLowerCase();
        if (DROPPED.has(lower) || SET_BY_AWS.has(lower)) continue;
        if (lower === "x-forwarded-for") {
            forwardedFor.push(value);
            continue;
        }
        traced ||= lower === "x-amzn-trace-id";
        headers.set(name, [...(headers.get(name) ?? []), value]);
    }
    headers.set("Host", [api.domainName]);
    if (!traced) headers.set("X-Amzn-Trace-Id", [traceRoot(request.epochMs)]);
    headers.set("X-Forwarded-For", [[...forwardedFor, connection.sourceIp].join(", ")]);
    headers.set("X-Forwarded-Port", ["443"]);
    headers.set("X-Forwarded-Proto", ["https"]);
    const query = new Map<string, string[]>();
    for (const [name, value] of url.searchParams) {
        query.set(name, [...(query.get(name) ?? []), value]);
    }
    return {
        request,
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

const single = (map: Map<string, string[]>, join: (values: string[]) => string): Record<string, string> =>
    Object.fromEntries([...map].map(([name, values]) => [name, join(values)]));
