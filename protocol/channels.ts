// The channel protocol a BroadcastWebSocket speaks (docs/channels.md): what a client sends, what it receives.
// Shared by the Lambda handlers and the client (browser and Node.js), so it imports nothing.

/** Route keys of the channel protocol, selected by the message's `action` (the default route selection). */
export const CHANNEL_ACTIONS = ["subscribe", "unsubscribe", "ping", "upload"] as const;
export type ChannelAction = (typeof CHANNEL_ACTIONS)[number];

export interface SubscribeRequest {
    action: "subscribe";
    channel: string;
}
export interface UnsubscribeRequest {
    action: "unsubscribe";
    channel: string;
}
/** Keeps the connection inside API Gateway's 10-minute idle timeout. */
export interface PingRequest {
    action: "ping";
}
/** Asks for a presigned PUT URL for `key`, which must lie under a channel the connection is subscribed to. */
export interface UploadRequest {
    action: "upload";
    key: string;
    /** Sent back in `headers`; the PUT must carry the same `Content-Type`. */
    contentType?: string;
    /** The body's length in bytes, signed into the URL: S3 refuses a PUT of any other length. */
    size: number;
}
export type ChannelRequest = SubscribeRequest | UnsubscribeRequest | PingRequest | UploadRequest;

export interface SubscribedReply {
    type: "subscribed";
    channel: string;
}
export interface UnsubscribedReply {
    type: "unsubscribed";
    channel: string;
}
export interface PongReply {
    type: "pong";
}
export interface UploadReply {
    type: "upload";
    key: string;
    url: string;
    method: "PUT";
    /** Headers the PUT must send, exactly. */
    headers: Record<string, string>;
    /** When the URL stops working (ISO 8601). */
    expiresAt: string;
}
/** A refused or malformed request; the connection stays open. */
export interface ErrorReply {
    type: "error";
    error: ChannelErrorCode;
    message: string;
}
export type ChannelErrorCode =
    | "InvalidMessage"
    | "InvalidChannel"
    | "ChannelTooLong"
    | "TooManyChannels"
    | "Forbidden"
    | "NotConnected"
    | "InvalidKey"
    | "FileTooLarge"
    | "InternalError";
export type ChannelReply = SubscribedReply | UnsubscribedReply | PongReply | UploadReply | ErrorReply;

/** What a client is told for one S3 event. */
export interface S3ObjectMessage {
    type: "s3";
    /** Without the `s3:` prefix, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
    event: string;
    bucket: string;
    /** The object key, URL-decoded. */
    key: string;
    /** Absent on ObjectRemoved records. */
    size?: number;
    eTag?: string;
    versionId?: string;
    /** When S3 recorded the event (ISO 8601). */
    time: string;
}
/** What a client is told for one `publish(channel, data)`. */
export interface ChannelMessage {
    type: "message";
    /** The name it was published to; it reached every subscriber of a channel that is a prefix of it. */
    channel: string;
    data: unknown;
}
export type Notification = S3ObjectMessage | ChannelMessage;

/**
 * The channels whose subscribers receive an event for `name` (an object key or a published channel): `""` and
 * every prefix of `name` that ends at a `/`, e.g. `uploads/job-42/out.txt` → `""`, `uploads/`, `uploads/job-42/`.
 */
export function matchingChannels(name: string): string[] {
    const channels = [""];
    for (let slash = name.indexOf("/"); slash !== -1; slash = name.indexOf("/", slash + 1)) {
        channels.push(name.slice(0, slash + 1));
    }
    return channels;
}

/** A channel is `""` (everything) or a key prefix that ends at a `/`. */
export function isChannelName(value: string): boolean {
    return value === "" || value.endsWith("/");
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
