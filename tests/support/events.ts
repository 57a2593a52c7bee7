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

/** A CONNECT event (B12, B17), optionally with a Lambda authorizer's context (B15). */
export function connectEvent(connectionId: string, principalId?: string): WebSocketEvent {
    const base = messageEvent(undefined, { routeKey: "$connect" });
    return {
        ...base,
        headers: { Host: base.requestContext.domainName, "Sec-WebSocket-Version": "13" },
        multiValueHeaders: { Host: [base.requestContext.domainName], "Sec-WebSocket-Version": ["13"] },
        requestContext: {
            ...base.requestContext,
            eventType: "CONNECT",
            connectionId,
            connectedAt: Date.UTC(2026, 10, 21, 12, 0, 0),
            ...(principalId ? { authorizer: { principalId, team: "blue" } } : {}),
        },
    };
}

/** One S3 notification record as Lambda receives it (B25); `key` is given already form-URL-encoded. */
export function s3Record(eventName: string, encodedKey: string, object: { size?: number; eTag?: string } = {}) {
    const created = eventName.startsWith("ObjectCreated");
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: "2026-11-21T12:00:00.000Z",
        eventName,
        userIdentity: { principalId: "AWS:AIDALOCAL" },
        requestParameters: { sourceIPAddress: "203.0.113.7" },
        responseElements: {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: "broadcast",
            bucket: { name: "uploads", ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: "arn:aws:s3:::uploads" },
            object: created
                ? {
                      key: encodedKey,
                      size: object.size ?? 1024,
                      eTag: object.eTag ?? "d41d8cd98f00b204e9800998ecf8427e",
                      sequencer: "0055AED6DCD90281E5",
                  }
                : { key: encodedKey, sequencer: "0055AED6DCD90281E6" },
        },
    };
}
