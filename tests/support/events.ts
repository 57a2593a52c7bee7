import type { WebSocketEvent } from "../../handlers/events";

/** A MESSAGE event shaped as API Gateway sends it (apigw-websocket-behaviour.md B17). */
export function messageEvent(body: string | undefined, overrides: { isBase64Encoded?: boolean; routeKey?: string } = {}): WebSocketEvent {
    const now = new Date("2026-11-21T12:00:00Z");
    return {
        requestContext: {
            routeKey: overrides.routeKey ?? "test",
            messageId: "Yt3vWc2lIAMCJWg=",
            eventType: "MESSAGE",
            extendedRequestId: "Yt3vWHqOoAMFUkw=",
            requestTime: "21/Nov/2026:12:00:00 +0000",
            messageDirection: "IN",
            stage: "dev",
            connectedAt: now.getTime() - 5_000,
            requestTimeEpoch: now.getTime(),
            identity: { sourceIp: "203.0.113.7", userAgent: "wscat/6.1.0" },
            requestId: "Yt3vWHqOoAMFUkw=",
            domainName: "abc123defg.execute-api.us-east-1.amazonaws.com",
            connectionId: "Yt3vVeXcoAMCJWg=",
            apiId: "abc123defg",
        },
        body,
        isBase64Encoded: overrides.isBase64Encoded ?? false,
    };
}
