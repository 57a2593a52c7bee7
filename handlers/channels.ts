import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { isChannelName, type ChannelErrorCode, type ChannelReply, type UploadReply } from "../protocol/channels";
import { CONNECTION_ID_ATTRIBUTE } from "./connections";
import type { WebSocketEvent } from "./events";
import { parseJsonObjectMessage } from "./message";
import { channelsOf, subscribe, unsubscribe, type SubscriptionStore } from "./subscriptions";

/** What `authorizeSubscribe` is asked, once per subscribe request. */
export interface SubscribeAuthorization {
    connectionId: string;
    channel: string;
    /** The `$connect` authorizer's principal, when the API has one. */
    principalId?: string;
    /** The `$connect` authorizer's whole context. */
    authorizer?: Record<string, unknown>;
}

/** Decides whether a connection may subscribe to a channel (AppSync Events' `onSubscribe`). */
export type AuthorizeSubscribe = (request: SubscribeAuthorization) => boolean | Promise<boolean>;

export interface UploadSigner {
    /** Only keys under this prefix may be uploaded. */
    prefix: string;
    /** The largest body a URL is signed for, in bytes. */
    maxBytes: number;
    /** A presigned PUT for `key` of exactly `size` bytes, valid for the signer's lifetime. */
    sign(key: string, size: number, contentType: string | undefined): Promise<Omit<UploadReply, "type" | "key">>;
}

export interface ChannelRouteOptions {
    store: SubscriptionStore;
    /** Channels one connection may hold at once. */
    maxChannels: number;
    /** Longest channel name, in UTF-8 bytes. */
    maxChannelBytes: number;
    authorizeSubscribe?: AuthorizeSubscribe;
    /** Presigned uploads, when the API offers them. */
    uploads?: UploadSigner;
}

/** A two-way route's reply: API Gateway sends `body` to the caller whatever the status. */
export interface ChannelRouteReply {
    statusCode: number;
    body: string;
}

/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const reply = (message: ChannelReply, statusCode = 200): ChannelRouteReply => ({ statusCode, body: JSON.stringify(message) });
const refuse = (error: ChannelErrorCode, message: string, statusCode = 400) => reply({ type: "error", error, message }, statusCode);

/**
 * The channel protocol's routes (docs/channels.md): `subscribe`, `unsubscribe`, `ping` and `upload`, one function
 * for all four. Every refusal is a `{"type":"error"}` reply naming the fix; the connection stays open.
 */
export function channelRouteHandler(options: ChannelRouteOptions) {
    return async (event: WebSocketEvent): Promise<ChannelRouteReply> => {
        const route = event.requestContext.routeKey;
        if (route === "ping") return reply({ type: "pong" });
        const parsed = parseJsonObjectMessage(event);
        if (!parsed.ok) return refuse("InvalidMessage", parsed.problem);
        const connectionId = event.requestContext.connectionId;
        try {
            switch (route) {
                case "subscribe":
                case "unsubscribe": {
                    const channel = checkChannel(parsed.message.channel, options.maxChannelBytes);
                    if (typeof channel !== "string") return channel;
                    return route === "subscribe"
                        ? await subscribeRoute(options, event, connectionId, channel)
                        : await unsubscribeRoute(options, connectionId, channel);
                }
                case "upload":
                    return await uploadRoute(options, connectionId, parsed.message);
                default:
                    return refuse("InvalidMessage", `This function serves subscribe, unsubscribe, ping and upload, not "${route}".`);
            }
        } catch (err) {
            console.error(JSON.stringify({ msg: `channels: ${route} failed`, connectionId, error: String(err) }));
            return refuse("InternalError", `The ${route} request could not be completed; try again.`, 500);
        }
    };
}

function checkChannel(value: unknown, maxBytes: number): string | ChannelRouteReply {
    if (typeof value !== "string") {
        return refuse("InvalidChannel", `"channel" must be a string such as "uploads/" or "" (everything), not ${describe(value)}.`);
    }
    if (Buffer.byteLength(value, "utf8") > maxBytes) {
        return refuse("ChannelTooLong", `The channel is longer than ${maxBytes} bytes: use a shorter prefix.`);
    }
    if (!isChannelName(value)) {
        return refuse("InvalidChannel", `Channels are key prefixes that end at a "/": subscribe to "${value}/" or "" (everything).`);
    }
    return value;
}

async function subscribeRoute(options: ChannelRouteOptions, event: WebSocketEvent, connectionId: string, channel: string) {
    if (options.authorizeSubscribe) {
        const { principalId, ...context } = event.requestContext.authorizer ?? {};
        const allowed = await options.authorizeSubscribe({
            connectionId,
            channel,
            principalId: typeof principalId === "string" ? principalId : undefined,
            authorizer: event.requestContext.authorizer ? { principalId, ...context } : undefined,
        });
        if (allowed !== true) return refuse("Forbidden", `This connection may not subscribe to "${channel}".`, 403);
    }
    const outcome = await subscribe(options.store, connectionId, channel, { maxChannels: options.maxChannels });
    if (outcome === "too-many-channels") {
        return refuse("TooManyChannels", `A connection may hold ${options.maxChannels} channels at once: unsubscribe from one first.`);
    }
    if (outcome === "not-connected") return notConnected();
    return reply({ type: "subscribed", channel });
}

async function unsubscribeRoute(options: ChannelRouteOptions, connectionId: string, channel: string) {
    const outcome = await unsubscribe(options.store, connectionId, channel);
    return outcome === "not-connected" ? notConnected() : reply({ type: "unsubscribed", channel });
}

async function uploadRoute(options: ChannelRouteOptions, connectionId: string, message: Record<string, unknown>) {
    const uploads = options.uploads;
    if (!uploads) return refuse("InvalidMessage", "This API does not hand out upload URLs (BroadcastWebSocket's uploads option).");
    const { key, contentType, size } = message;
    if (typeof key !== "string" || key === "" || key.endsWith("/") || Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
        return refuse("InvalidKey", `"key" must be an object key of 1 to ${MAX_KEY_BYTES} bytes that does not end with "/".`);
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
        return refuse(
            "InvalidMessage",
            `"size" must be the file's length in bytes, a whole number (got ${typeof size === "number" ? size : describe(size)}).`,
        );
    }
    if (size > uploads.maxBytes) {
        return refuse("FileTooLarge", `The file is ${size} bytes; uploads here take at most ${uploads.maxBytes}.`);
    }
    if (contentType !== undefined && (typeof contentType !== "string" || !/^[\w.+-]+\/[\w.+-]+( *;.*)?$/.test(contentType))) {
        return refuse("InvalidMessage", `"contentType" must be a media type such as "text/plain".`);
    }
    if (!key.startsWith(uploads.prefix)) return refuse("Forbidden", `Uploads go under "${uploads.prefix}".`, 403);
    const { Item } = await options.store.dynamodb.send(
        new GetItemCommand({
            TableName: options.store.tableName,
            Key: { [CONNECTION_ID_ATTRIBUTE]: { S: connectionId } },
            ConsistentRead: true,
        }),
    );
    if (!Item) return notConnected();
    // Where you may listen is where you may write: the channel passed authorizeSubscribe.
    if (!channelsOf(Item).some((channel) => key.startsWith(channel))) {
        return refuse("Forbidden", `Subscribe to a channel that "${key}" lies under before uploading there.`, 403);
    }
    const signed = await uploads.sign(key, size, contentType);
    return reply({ type: "upload", key, ...signed });
}

const notConnected = () => refuse("NotConnected", "This connection is no longer recorded (it expired or was cleaned up): reconnect.", 410);

function describe(value: unknown): string {
    return value === undefined ? "missing" : value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
