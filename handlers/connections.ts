import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { WebSocketEvent } from "./events";

/** API Gateway closes every WebSocket connection after 2 hours: a row older than that is stale. */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60;
/** The table's hash key (a string). */
export const CONNECTION_ID_ATTRIBUTE = "connectionId";
/** The table's TTL attribute (epoch seconds). */
export const EXPIRY_ATTRIBUTE = "expiresAt";

export interface ConnectionStore {
    tableName: string;
    dynamodb: DynamoDBClient;
    /** The channel subscriptions table, when the API has channels (BroadcastWebSocket always does). */
    subscriptionsTable?: string;
}

export interface ConnectionRecord {
    connectionId: string;
    /** Epoch milliseconds, as API Gateway reports it. */
    connectedAt: number;
    /** Epoch seconds after which the row is stale (the TTL attribute). */
    expiresAt: number;
    sourceIp?: string;
    /** The Lambda authorizer's principal, when the API has one. */
    principalId?: string;
}

/** The store named by the environment the components set (CONNECTIONS_TABLE, and SUBSCRIPTIONS_TABLE with channels). */
export function connectionStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): ConnectionStore {
    const tableName = env.CONNECTIONS_TABLE;
    if (!tableName) {
        throw new Error("CONNECTIONS_TABLE is not set: this function needs the name of the connections table.");
    }
    return { tableName, dynamodb: new DynamoDBClient({}), subscriptionsTable: env.SUBSCRIPTIONS_TABLE || undefined };
}

export function connectionRecord(event: WebSocketEvent, now: number = Date.now()): ConnectionRecord {
    const context = event.requestContext;
    const connectedAt = typeof context.connectedAt === "number" ? context.connectedAt : now;
    const principalId = context.authorizer?.principalId;
    return {
        connectionId: context.connectionId,
        connectedAt,
        expiresAt: Math.floor(connectedAt / 1000) + CONNECTION_LIFETIME_SECONDS,
        sourceIp: context.identity?.sourceIp,
        principalId: typeof principalId === "string" ? principalId : undefined,
    };
}

export async function saveConnection(store: ConnectionStore, record: ConnectionRecord): Promise<void> {
    const item: Record<string, AttributeValue> = {
        [CONNECTION_ID_ATTRIBUTE]: { S: record.connectionId },
        connectedAt: { N: String(record.connectedAt) },
        [EXPIRY_ATTRIBUTE]: { N: String(record.expiresAt) },
    };
    if (record.sourceIp) item.sourceIp = { S: record.sourceIp };
    if (record.principalId) item.principalId = { S: record.principalId };
    await store.dynamodb.send(new PutItemCommand({ TableName: store.tableName, Item: item }));
}

/** Deletes a connection's row and returns it as it was (nothing if it was not there). */
export async function deleteConnectionRow(
    store: ConnectionStore,
    connectionId: string,
): Promise<Record<string, AttributeValue> | undefined> {
    const { Attributes } = await store.dynamodb.send(
        new DeleteItemCommand({
            TableName: store.tableName,
            Key: { [CONNECTION_ID_ATTRIBUTE]: { S: connectionId } },
            ReturnValues: "ALL_OLD",
        }),
    );
    return Attributes;
}

export interface ScanOptions {
    /** Items per Scan page (DynamoDB's `Limit`); unset reads up to 1 MB a page. */
    pageSize?: number;
    /** One segment of a parallel scan. */
    segment?: { index: number; total: number };
    /** Epoch milliseconds; rows that expired before it are skipped. */
    now?: number;
}

/** Connection ids, a Scan page at a time (projection: the id only). Expired rows are skipped. */
export async function* connectionIdPages(store: ConnectionStore, options: ScanOptions = {}): AsyncGenerator<string[]> {
    let startKey: Record<string, AttributeValue> | undefined;
    const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
    do {
        const page = await store.dynamodb.send(
            new ScanCommand({
                TableName: store.tableName,
                ProjectionExpression: "#id",
                FilterExpression: "attribute_not_exists(#expiresAt) OR #expiresAt > :now",
                ExpressionAttributeNames: { "#id": CONNECTION_ID_ATTRIBUTE, "#expiresAt": EXPIRY_ATTRIBUTE },
                ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
                Limit: options.pageSize,
                Segment: options.segment?.index,
                TotalSegments: options.segment?.total,
                ExclusiveStartKey: startKey,
            }),
        );
        yield connectionIdsOf(page.Items);
        startKey = page.LastEvaluatedKey;
    } while (startKey);
}

/** The connection ids of a page of items (each projected to its id). */
export function connectionIdsOf(items: Record<string, AttributeValue>[] | undefined): string[] {
    return (items ?? []).flatMap((item) => {
        const id = item[CONNECTION_ID_ATTRIBUTE]?.S;
        return id ? [id] : [];
    });
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
