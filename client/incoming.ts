import type { ChannelErrorCode, ChannelReply, ErrorReply, Notification } from "../protocol/channels";
import type { ClientErrorCode } from "./channel-error";

/** A reply that answers a request successfully. */
export type SuccessReply = Exclude<ChannelReply, ErrorReply>;

/** What one text frame from the server is; `value` is the parsed JSON, or the text itself when it is not JSON. */
export type Incoming =
    | { kind: "notification"; notification: Notification; value: unknown }
    | { kind: "reply"; reply: SuccessReply; value: unknown }
    | { kind: "error"; code: ChannelErrorCode | ClientErrorCode; message: string; value: unknown }
    /** None of the protocol's messages: a `broadcast()` on the same API, say. */
    | { kind: "other"; value: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Parses a frame. Error frames from outside the channel routes carry no `type`: API Gateway's
 * `{"message":"Internal server error","connectionId":…,"requestId":…}` for a failed route (and the same shape for
 * throttling, `{"message":"Too Many Requests",…}`), and `{"error":"UnknownRoute","message":…}` from the `$default`
 * route.
 */
export function parseIncoming(text: string): Incoming {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return { kind: "other", value: text };
    }
    return classify(value) ?? { kind: "other", value };
}

function classify(value: unknown): Incoming | undefined {
    if (!isRecord(value)) return undefined;
    switch (value.type) {
        case "s3":
            return typeof value.key === "string"
                ? { kind: "notification", notification: value as unknown as Notification, value }
                : undefined;
        case "message":
            return typeof value.channel === "string"
                ? { kind: "notification", notification: value as unknown as Notification, value }
                : undefined;
        case "subscribed":
        case "unsubscribed":
            return typeof value.channel === "string" ? { kind: "reply", reply: value as unknown as SuccessReply, value } : undefined;
        case "pong":
            return { kind: "reply", reply: { type: "pong" }, value };
        case "upload":
            return typeof value.url === "string" ? { kind: "reply", reply: value as unknown as SuccessReply, value } : undefined;
        case "error":
            return { kind: "error", code: errorCode(value.error), message: String(value.message ?? ""), value };
        case undefined: {
            // Only frames shaped like a route's {error, message}, API Gateway's {message, connectionId, requestId} or
            // its throttling message: a broadcast on the same API may send anything.
            const message = value.message;
            if (typeof message !== "string") return undefined;
            if (typeof value.error === "string") return { kind: "error", code: errorCode(value.error), message, value };
            const gateway = typeof value.connectionId === "string" && typeof value.requestId === "string";
            if (THROTTLED.test(message)) return { kind: "error", code: "Throttled", message, value };
            return gateway ? { kind: "error", code: "InternalError", message, value } : undefined;
        }
        default:
            return undefined;
    }
}

/** API Gateway's (and AWS's) words for a throttled request. */
const THROTTLED = /^(too many requests|limit exceeded|rate exceeded|throttl)/i;

// Passed on as the server sent it; a gateway failure without one is an internal error.
const errorCode = (code: unknown): ChannelErrorCode | ClientErrorCode =>
    typeof code === "string" ? (code as ChannelErrorCode) : "InternalError";
