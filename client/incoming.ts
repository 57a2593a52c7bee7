import type { ChannelErrorCode, ChannelReply, ErrorReply, Notification } from "../protocol/channels";
import type { ClientErrorCode } from "./channel-error";

/** A reply that answers a request successfully. */
export type SuccessReply = Exclude<ChannelReply, ErrorReply>;

/** What one text frame from the server is. */
export type Incoming =
    | { kind: "notification"; notification: Notification }
    | { kind: "reply"; reply: SuccessReply }
    | { kind: "error"; code: ChannelErrorCode | ClientErrorCode; message: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Parses a frame; undefined for anything that is none of the protocol's messages. Error frames from outside the
 * channel routes carry no `type`: API Gateway's `{"message":"Internal server error","connectionId":…,"requestId":…}`
 * for a failed route, and `{"error":"UnknownRoute","message":…}` from the `$default` route.
 */
export function parseIncoming(text: string): Incoming | undefined {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return undefined;
    }
    if (!isRecord(value)) return undefined;
    switch (value.type) {
        case "s3":
            return typeof value.key === "string" ? { kind: "notification", notification: value as unknown as Notification } : undefined;
        case "message":
            return typeof value.channel === "string" ? { kind: "notification", notification: value as unknown as Notification } : undefined;
        case "subscribed":
        case "unsubscribed":
            return typeof value.channel === "string" ? { kind: "reply", reply: value as unknown as SuccessReply } : undefined;
        case "pong":
            return { kind: "reply", reply: { type: "pong" } };
        case "upload":
            return typeof value.url === "string" ? { kind: "reply", reply: value as unknown as SuccessReply } : undefined;
        case "error":
            return { kind: "error", code: errorCode(value.error), message: String(value.message ?? "") };
        case undefined:
            // Only frames shaped like a route's {error, message} or API Gateway's {message, connectionId, requestId}:
            // a broadcast on the same API may send anything.
            if (typeof value.message !== "string") return undefined;
            if (typeof value.error === "string" || (typeof value.connectionId === "string" && typeof value.requestId === "string")) {
                return { kind: "error", code: errorCode(value.error), message: value.message };
            }
            return undefined;
        default:
            return undefined;
    }
}

// Passed on as the server sent it; a gateway failure without one is an internal error.
const errorCode = (code: unknown): ChannelErrorCode | ClientErrorCode =>
    typeof code === "string" ? (code as ChannelErrorCode) : "InternalError";
