import {
    BatchWriteItemCommand,
    ConditionalCheckFailedException,
    DeleteItemCommand,
    GetItemCommand,
    PutItemCommand,
    QueryCommand,
    UpdateItemCommand,
    type AttributeValue,
    type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
    CONNECTION_ID_ATTRIBUTE,
    CONNECTION_LIFETIME_SECONDS,
    connectionIdsOf,
    connectionStoreFromEnvironment,
    EXPIRY_ATTRIBUTE,
    type ConnectionStore,
} from "./connections";

// The subscriptions table (docs/channels.md): one row per (channel, connection). A fan-out reads only the rows of
// the channels an event matches, a Query each; the connection's row keeps the set of its channels, so a disconnect
// or a 410 finds the rows to delete without an index.

/** The partition key: the channel, prefixed, because DynamoDB key values cannot be empty and `""` is a channel (B39). */
export const CHANNEL_KEY_ATTRIBUTE = "channelKey";
/** The sort key: `<shard>#<connectionId>`, so that segment workers each read a disjoint key range of a channel. */
export const SLOT_ATTRIBUTE = "slot";
/** The connection row's string set of channels (a set may hold `""`). */
export const CHANNELS_ATTRIBUTE = "channels";
/** Marks the `""` row `$connect` writes for `unsubscribed: "all"`, removed by the connection's first subscribe. */
const IMPLICIT_ATTRIBUTE = "implicit";
/** Fixed shard space of the sort key; a fan-out of K segments gives each about 1000 / K shards. */
export const SUBSCRIPTION_SHARDS = 1000;
const SHARD_DIGITS = 3;
/** BatchWriteItem's limit per request (B40). */
const BATCH_SIZE = 25;

export type SubscriptionStore = ConnectionStore & { subscriptionsTable: string };

/** The store as a `SubscriptionStore` when it names a subscriptions table (an API with channels), else undefined. */
export function subscriptionStoreOf(store: ConnectionStore): SubscriptionStore | undefined {
    const { subscriptionsTable } = store;
    return subscriptionsTable ? { ...store, subscriptionsTable } : undefined;
}

/** The store named by the environment the component sets (CONNECTIONS_TABLE and SUBSCRIPTIONS_TABLE). */
export function subscriptionStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): SubscriptionStore {
    const store = subscriptionStoreOf(connectionStoreFromEnvironment(env));
    if (!store) {
        throw new Error(
            "SUBSCRIPTIONS_TABLE is not set: give this function the API's broadcastEnvironment (BroadcastWebSocket.grantPublish).",
        );
    }
    return store;
}

export interface ChannelLimits {
    /** Channels one connection may be subscribed to at once. */
    maxChannels: number;
}

export type SubscribeOutcome = "subscribed" | "not-connected" | "too-many-channels";

export function channelKey(channel: string): string {
    return `#${channel}`;
}

/** FNV-1a: a stable, even spread of connection ids over the shards, the same in every function. */
export function shardOf(connectionId: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < connectionId.length; i++) {
        hash ^= connectionId.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % SUBSCRIPTION_SHARDS;
}

export function slotOf(connectionId: string): string {
    return `${String(shardOf(connectionId)).padStart(SHARD_DIGITS, "0")}#${connectionId}`;
}

/** The sort-key range of segment `index` of `total`: shards [from, to) as `BETWEEN lo AND hi`. */
export function slotRange(segment: { index: number; total: number }): { lo: string; hi: string } {
    const from = Math.floor((segment.index * SUBSCRIPTION_SHARDS) / segment.total);
    const to = Math.floor(((segment.index + 1) * SUBSCRIPTION_SHARDS) / segment.total);
    // "042" sorts before every "042#…" and "049$" after every "049#…" ("$" follows "#"): shards 42 to 49.
    return { lo: String(from).padStart(SHARD_DIGITS, "0"), hi: `${String(to - 1).padStart(SHARD_DIGITS, "0")}$` };
}

function subscriptionKey(channel: string, connectionId: string): Record<string, AttributeValue> {
    return { [CHANNEL_KEY_ATTRIBUTE]: { S: channelKey(channel) }, [SLOT_ATTRIBUTE]: { S: slotOf(connectionId) } };
}

function subscriptionItem(channel: string, connectionId: string, expiresAt: number, implicit: boolean): Record<string, AttributeValue> {
    return {
        ...subscriptionKey(channel, connectionId),
        channel: { S: channel },
        [CONNECTION_ID_ATTRIBUTE]: { S: connectionId },
        [EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
        ...(implicit ? { [IMPLICIT_ATTRIBUTE]: { BOOL: true } } : {}),
    };
}

/** `$connect` with `unsubscribed: "all"`: the connection hears everything until it first subscribes. */
export async function subscribeImplicitly(store: SubscriptionStore, connectionId: string, expiresAt: number): Promise<void> {
    await store.dynamodb.send(
        new PutItemCommand({ TableName: store.subscriptionsTable, Item: subscriptionItem("", connectionId, expiresAt, true) }),
    );
}

/**
 * Adds `channel` to the connection's set (refused if the row is gone or the set is full), drops the implicit
 * subscription on the first explicit one, then writes the channel's row with the connection's expiry.
 */
export async function subscribe(
    store: SubscriptionStore,
    connectionId: string,
    channel: string,
    limits: ChannelLimits,
): Promise<SubscribeOutcome> {
    let previous: Record<string, AttributeValue>;
    try {
        const updated = await store.dynamodb.send(
            new UpdateItemCommand({
                TableName: store.tableName,
                Key: { [CONNECTION_ID_ATTRIBUTE]: { S: connectionId } },
                UpdateExpression: "ADD #channels :channel",
                ConditionExpression:
                    "attribute_exists(#id) AND (attribute_not_exists(#channels) OR contains(#channels, :name) OR size(#channels) < :max)",
                ExpressionAttributeNames: { "#id": CONNECTION_ID_ATTRIBUTE, "#channels": CHANNELS_ATTRIBUTE },
                ExpressionAttributeValues: {
                    ":channel": { SS: [channel] },
                    ":name": { S: channel },
                    ":max": { N: String(limits.maxChannels) },
                },
                ReturnValues: "ALL_OLD",
            }),
        );
        previous = updated.Attributes ?? {};
    } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        // Which half of the condition failed: one read, on the refused path only.
        const { Item } = await store.dynamodb.send(
            new GetItemCommand({
                TableName: store.tableName,
                Key: { [CONNECTION_ID_ATTRIBUTE]: { S: connectionId } },
                ConsistentRead: true,
            }),
        );
        return Item ? "too-many-channels" : "not-connected";
    }
    if (previous[CHANNELS_ATTRIBUTE] === undefined && channel !== "") {
        await deleteImplicitSubscription(store, connectionId);
    }
    const expiresAt = Number(previous[EXPIRY_ATTRIBUTE]?.N ?? Math.floor(Date.now() / 1000) + CONNECTION_LIFETIME_SECONDS);
    await store.dynamodb.send(
        new PutItemCommand({ TableName: store.subscriptionsTable, Item: subscriptionItem(channel, connectionId, expiresAt, false) }),
    );
    return "subscribed";
}

async function deleteImplicitSubscription(store: SubscriptionStore, connectionId: string): Promise<void> {
    try {
        await store.dynamodb.send(
            new DeleteItemCommand({
                TableName: store.subscriptionsTable,
                Key: subscriptionKey("", connectionId),
                ConditionExpression: "#implicit = :true",
                ExpressionAttributeNames: { "#implicit": IMPLICIT_ATTRIBUTE },
                ExpressionAttributeValues: { ":true": { BOOL: true } },
            }),
        );
    } catch (err) {
        // No implicit row (unsubscribed: "none", or already gone): nothing to do.
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
}

/** Idempotent: unsubscribing from a channel the connection is not on succeeds. */
export async function unsubscribe(
    store: SubscriptionStore,
    connectionId: string,
    channel: string,
): Promise<"unsubscribed" | "not-connected"> {
    try {
        await store.dynamodb.send(
            new UpdateItemCommand({
                TableName: store.tableName,
                Key: { [CONNECTION_ID_ATTRIBUTE]: { S: connectionId } },
                UpdateExpression: "DELETE #channels :channel",
                ConditionExpression: "attribute_exists(#id)",
                ExpressionAttributeNames: { "#id": CONNECTION_ID_ATTRIBUTE, "#channels": CHANNELS_ATTRIBUTE },
                ExpressionAttributeValues: { ":channel": { SS: [channel] } },
            }),
        );
    } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        return "not-connected";
    }
    await store.dynamodb.send(new DeleteItemCommand({ TableName: store.subscriptionsTable, Key: subscriptionKey(channel, connectionId) }));
    return "unsubscribed";
}

/** The channels a connection row lists. */
export function channelsOf(item: Record<string, AttributeValue> | undefined): string[] {
    return item?.[CHANNELS_ATTRIBUTE]?.SS ?? [];
}

/** Deletes the subscription rows of `connectionId` on `channels` (and its implicit `""` row), retrying what DynamoDB leaves unprocessed. */
export async function deleteSubscriptions(store: SubscriptionStore, connectionId: string, channels: Iterable<string>): Promise<void> {
    const unique = [...new Set(["", ...channels])];
    for (let start = 0; start < unique.length; start += BATCH_SIZE) {
        let requests: WriteRequest[] = unique
            .slice(start, start + BATCH_SIZE)
            .map((channel) => ({ DeleteRequest: { Key: subscriptionKey(channel, connectionId) } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
            if (attempt >= 5) throw new Error(`could not delete ${requests.length} subscription rows of ${connectionId} after 5 tries`);
            if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
            const out = await store.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [store.subscriptionsTable]: requests } }));
            requests = out.UnprocessedItems?.[store.subscriptionsTable] ?? [];
        }
    }
}

export interface SubscriberQuery {
    /** Items per Query page; unset reads up to 1 MB a page. */
    pageSize?: number;
    /** Only the connections of this segment's shards. */
    segment?: { index: number; total: number };
    /** Epoch milliseconds; rows that expired before it are skipped. */
    now?: number;
}

/** The connection ids subscribed to `channel`, a Query page at a time. */
export async function* subscriberPages(store: SubscriptionStore, channel: string, options: SubscriberQuery = {}): AsyncGenerator<string[]> {
    const range = options.segment ? slotRange(options.segment) : undefined;
    const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
    let startKey: Record<string, AttributeValue> | undefined;
    do {
        const page = await store.dynamodb.send(
            new QueryCommand({
                TableName: store.subscriptionsTable,
                KeyConditionExpression: range ? "#channel = :channel AND #slot BETWEEN :lo AND :hi" : "#channel = :channel",
                FilterExpression: "#expiresAt > :now",
                ProjectionExpression: "#id",
                ExpressionAttributeNames: {
                    "#channel": CHANNEL_KEY_ATTRIBUTE,
                    "#id": CONNECTION_ID_ATTRIBUTE,
                    "#expiresAt": EXPIRY_ATTRIBUTE,
                    ...(range ? { "#slot": SLOT_ATTRIBUTE } : {}),
                },
                ExpressionAttributeValues: {
                    ":channel": { S: channelKey(channel) },
                    ":now": { N: String(nowSeconds) },
                    ...(range ? { ":lo": { S: range.lo }, ":hi": { S: range.hi } } : {}),
                },
                Limit: options.pageSize,
                ExclusiveStartKey: startKey,
            }),
        );
        yield connectionIdsOf(page.Items);
        startKey = page.LastEvaluatedKey;
    } while (startKey);
}

/**
 * Whether more than `count` subscription rows lie on `channels` (a connection on several counted once per
 * channel). Reads `count + 1` keys at most.
 */
export async function hasMoreSubscriptionsThan(store: SubscriptionStore, channels: string[], count: number): Promise<boolean> {
    let seen = 0;
    for (const channel of channels) {
        let startKey: Record<string, AttributeValue> | undefined;
        do {
            const page = await store.dynamodb.send(
                new QueryCommand({
                    TableName: store.subscriptionsTable,
                    KeyConditionExpression: "#channel = :channel",
                    ExpressionAttributeNames: { "#channel": CHANNEL_KEY_ATTRIBUTE },
                    ExpressionAttributeValues: { ":channel": { S: channelKey(channel) } },
                    Select: "COUNT",
                    Limit: count + 1 - seen,
                    ExclusiveStartKey: startKey,
                }),
            );
            seen += page.Count ?? 0;
            if (seen > count) return true;
            startKey = page.LastEvaluatedKey;
        } while (startKey);
    }
    return false;
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
