import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

/** API Gateway's WebSocket message payload quota (128 KB): nothing larger reaches a client. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** A reply on a two-way route: API Gateway sends `body` to the caller whatever the status. */
export type RouteReply = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** A refused message: the reply to send as it is, and what was wrong, for a route that answers in its own shape. */
export type ParsedMessage = { ok: true; message: Record<string, unknown> } | { ok: false; reply: RouteReply; problem: string };

function refused(statusCode: number, error: string, problem: string): ParsedMessage {
    return { ok: false, reply: errorReply(statusCode, error, problem), problem };
}

/** A JSON error reply; `error` is a stable machine-readable code, `message` is for people. */
export function errorReply(statusCode: number, error: string, message: string, extra: Record<string, unknown> = {}): RouteReply {
    return { statusCode, body: JSON.stringify({ error, message, ...extra }) };
}

/** Decodes a message body to text, rejecting payloads that are not valid UTF-8. */
function bodyText(event: Pick<APIGatewayProxyWebsocketEventV2, "body" | "isBase64Encoded">): string | undefined {
    if (!event.isBase64Encoded) {
        return event.body ?? "";
    }
    const bytes = Buffer.from(event.body ?? "", "base64");
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return undefined;
    }
}

/**
 * Parses a WebSocket message that must be a JSON object. Never throws: every invalid input becomes a 4xx
 * reply that says what was wrong, so a client mistake never surfaces as API Gateway's "Internal server error".
 */
export function parseJsonObjectMessage(event: Pick<APIGatewayProxyWebsocketEventV2, "body" | "isBase64Encoded">): ParsedMessage {
    const text = bodyText(event);
    if (text === undefined) {
        return refused(400, "InvalidMessage", "Binary messages are not supported: send UTF-8 JSON text.");
    }
    if (text.trim() === "") {
        return refused(400, "InvalidMessage", "The message is empty: send a JSON object.");
    }
    if (Buffer.byteLength(text, "utf8") > MAX_MESSAGE_BYTES) {
        return refused(413, "MessageTooLarge", `The message is larger than ${MAX_MESSAGE_BYTES} bytes.`);
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return refused(400, "InvalidMessage", "The message is not valid JSON: send a JSON object.");
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return refused(400, "InvalidMessage", "The message must be a JSON object.");
    }
    return { ok: true, message: value as Record<string, unknown> };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
