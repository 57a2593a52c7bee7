import { matchingChannels, type ChannelMessage } from "../protocol/channels";
import { deliveryOptionsFromEnvironment } from "./broadcast";
import { deleteConnection } from "./connection-cleanup";
import { createDelivery, messageBytes, type BroadcastResult, type DeliveryOptions } from "./delivery";
import { subscriberPages, subscriptionStoreFromEnvironment, type SubscriberQuery, type SubscriptionStore } from "./subscriptions";

export interface PublishOptions extends DeliveryOptions {
    /** The connections and subscriptions tables. */
    store: SubscriptionStore;
    /** Query page size. @default 1000 */
    pageSize?: number;
    /** The API's longest channel name in UTF-8 bytes: longer prefixes can have no subscribers and are not read. @default 1024 */
    maxChannelBytes?: number;
}

export interface Publisher {
    /**
     * Sends `{"type":"message","channel","data"}` to every connection subscribed to a channel that is a prefix of
     * `channel` at a `/` (and to `""`), once per connection however many of its channels match.
     */
    publish(channel: string, data: unknown): Promise<BroadcastResult>;
    /**
     * The same delivery for a message already serialised, e.g. an S3 event for the object key `name`; with
     * `segment`, only to the connections of that segment's shards.
     */
    publishMessage(name: string, message: string | Uint8Array, segment?: SubscriberQuery["segment"]): Promise<BroadcastResult>;
}

const DEFAULT_PAGE_SIZE = 1000;
/** The largest `channels.maxNameBytes` a BroadcastWebSocket takes. */
const MAX_CHANNEL_BYTES = 1024;

/** A publisher for the tables and endpoint the components put in the environment (see `grantPublish`). */
export function publisherFromEnvironment(env: NodeJS.ProcessEnv = process.env, options: Partial<PublishOptions> = {}): Publisher {
    const maxChannelBytes = env.CHANNEL_MAX_BYTES ? Number(env.CHANNEL_MAX_BYTES) : undefined;
    return createPublisher({
        store: subscriptionStoreFromEnvironment(env),
        ...deliveryOptionsFromEnvironment(env),
        maxChannelBytes,
        ...options,
    });
}

export function createPublisher(options: PublishOptions): Publisher {
    const deliver = createDelivery(options);
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const maxChannelBytes = options.maxChannelBytes ?? MAX_CHANNEL_BYTES;

    const publishMessage: Publisher["publishMessage"] = async (name, message, segment) => {
        const data = messageBytes(message);
        // A key of many slashes would otherwise cost a Query per slash, for channels no one can hold.
        const channels = matchingChannels(name).filter((channel) => Buffer.byteLength(channel, "utf8") <= maxChannelBytes);
        const pages = distinctSubscribers(options.store, channels, { pageSize, segment });
        // A gone connection's rows: its own row lists its channels, but a row written after a racing
        // $disconnect is listed nowhere, so the rows this fan-out read it from go too.
        const forget = (connectionId: string) => deleteConnection(options.store, connectionId, channels);
        return deliver(pages, data, forget);
    };

    return {
        publishMessage,
        publish: (channel, data) => {
            if (typeof channel !== "string") throw new TypeError(`publish needs a channel name (a string), not ${typeof channel}.`);
            const message: ChannelMessage = { type: "message", channel, data };
            return publishMessage(channel, JSON.stringify(message));
        },
    };
}

/** Each channel's subscribers in turn, every connection once: one message per connection per event. */
async function* distinctSubscribers(store: SubscriptionStore, channels: string[], query: SubscriberQuery): AsyncGenerator<string[]> {
    const seen = new Set<string>();
    for (const channel of channels) {
        for await (const page of subscriberPages(store, channel, query)) {
            const fresh = page.filter((id) => !seen.has(id));
            for (const id of fresh) seen.add(id);
            if (fresh.length > 0) yield fresh;
        }
    }
}

let environmentPublisher: Publisher | undefined;

/**
 * Publishes `data` (any JSON value) to `channel` from any function given the API's `broadcastEnvironment` and
 * `grantPublish`: the publisher is made on first use and reused by the environment's later invocations.
 * @example await publish("uploads/job-42/", { status: "translated" });
 */
export function publish(channel: string, data: unknown): Promise<BroadcastResult> {
    environmentPublisher ??= publisherFromEnvironment();
    return environmentPublisher.publish(channel, data);
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
