import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { MAX_MESSAGE_BYTES, errorReply, parseJsonObjectMessage, type RouteReply } from "./message";

export const ECHO_PREFIX = "Echoing your message: ";

/**
 * The `test` route: `{"action":"test","echo":"hi"}` → `Echoing your message: hi` (`echo` defaults to "").
 * Invalid input gets a JSON error reply instead; it never throws on client input.
 */
export async function echoHandler(event: APIGatewayProxyWebsocketEventV2): Promise<RouteReply> {
    const parsed = parseJsonObjectMessage(event);
    if (!parsed.ok) {
        return parsed.reply;
    }
    const echo = parsed.message.echo === undefined ? "" : parsed.message.echo;
    if (typeof echo !== "string") {
        return errorReply(400, "InvalidMessage", `"echo" must be a string, not ${echo === null ? "null" : typeof echo}.`);
    }
    const body = ECHO_PREFIX + echo;
    if (Buffer.byteLength(body, "utf8") > MAX_MESSAGE_BYTES) {
        return errorReply(413, "MessageTooLarge", `The echo would be larger than ${MAX_MESSAGE_BYTES} bytes.`);
    }
    return { statusCode: 200, body };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
