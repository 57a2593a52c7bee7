import { newId, requestTime, type ApiInfo, type ConnectionInfo } from "../proxy-events";

export type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

/** One request as API Gateway numbers it. A handshake is one request: its authorizer and CONNECT events share it. */
export interface RequestStamp {
    /** Both `requestId` and `extendedRequestId`: WebSocket APIs give them the same value. */
    requestId: string;
    epochMs: number;
}

export const newRequest = (epochMs = Date.now()): RequestStamp => ({ requestId: newId(), epochMs });

/** `sourceIp`, and `userAgent` only when the client sent one: captured events since 2021 have nothing else. */
export interface Identity {
    sourceIp: string;
    userAgent?: string;
}

/** The `requestContext` fields every WebSocket event and the authorizer event have (B17), in AWS's order. */
export interface RequestContext {
    routeKey: string;
    eventType: EventType;
    extendedRequestId: string;
    requestTime: string;
    messageDirection: "IN";
    stage: string;
    connectedAt: number;
    requestTimeEpoch: number;
    identity: Identity;
    requestId: string;
    domainName: string;
    connectionId: string;
    apiId: string;
}

/** `requestContext`: the common fields, with the event's own (`messageId`, `authorizer`, …) after `routeKey`. */
export function requestContext<Own extends object>(
    api: ApiInfo,
    connection: ConnectionInfo,
    routeKey: string,
    eventType: EventType,
    request: RequestStamp,
    own: Own,
): RequestContext & Own {
    return {
        routeKey,
        ...own,
        eventType,
        extendedRequestId: request.requestId,
        requestTime: requestTime(request.epochMs),
        messageDirection: "IN",
        stage: api.stage,
        connectedAt: connection.connectedAt,
        requestTimeEpoch: request.epochMs,
        identity: connection.userAgent
            ? { sourceIp: connection.sourceIp, userAgent: connection.userAgent }
            : { sourceIp: connection.sourceIp },
        requestId: request.requestId,
        domainName: api.domainName,
        connectionId: connection.connectionId,
        apiId: api.apiId,
    };
}

export type Authorizer = Record<string, unknown>;

/**
 * `requestContext.authorizer` of an authorized connection (B15): the authorizer's `context` and `principalId`, and on
 * CONNECT alone the authorizer's `integrationLatency` in ms, a number (captured: the MESSAGE events of the same
 * connection have no such key). Nothing at all on a connection without a Lambda authorizer.
 */
export function authorizerOf(connection: ConnectionInfo, eventType: EventType): { authorizer?: Authorizer } {
    if (!connection.authorizer) return {};
    if (eventType !== "CONNECT") return { authorizer: connection.authorizer };
    return { authorizer: { ...connection.authorizer, integrationLatency: connection.authorizerLatencyMs ?? 0 } };
}
