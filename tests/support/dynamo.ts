import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import { CONNECTION_ID_ATTRIBUTE, CONNECTION_LIFETIME_SECONDS, saveConnection, type ConnectionStore } from "../../handlers/connections";
import {
    CHANNEL_KEY_ATTRIBUTE,
    SLOT_ATTRIBUTE,
    subscribeImplicitly,
    subscriptionStoreOf,
    type SubscriptionStore,
} from "../../handlers/subscriptions";

export const TEST_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** An in-memory DynamoDB (dynalite) on an ephemeral loopback port. */
export async function startDynamo(): Promise<{ client: DynamoDBClient; endpoint: string; stop: () => Promise<void> }> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS });
    return {
        client,
        endpoint,
        stop: async () => {
            client.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

let tables = 0;
/** Fresh connections and subscriptions tables with the schemas BroadcastWebSocket deploys. */
export async function createConnectionsTable(client: DynamoDBClient): Promise<SubscriptionStore> {
    const n = ++tables;
    const tableName = `connections-${n}-${process.pid}`;
    const subscriptionsTable = `subscriptions-${n}-${process.pid}`;
    await createTable(client, tableName, [CONNECTION_ID_ATTRIBUTE]);
    await createTable(client, subscriptionsTable, [CHANNEL_KEY_ATTRIBUTE, SLOT_ATTRIBUTE]);
    return { tableName, subscriptionsTable, dynamodb: client };
}

async function createTable(client: DynamoDBClient, name: string, [hash, range]: string[]): Promise<void> {
    await client.send(
        new CreateTableCommand({
            TableName: name,
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [hash, ...(range ? [range] : [])].map((attribute) => ({ AttributeName: attribute, AttributeType: "S" })),
            KeySchema: [{ AttributeName: hash, KeyType: "HASH" }, ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : [])],
        }),
    );
    // dynalite, like DynamoDB, creates tables asynchronously: writes before ACTIVE are refused.
    await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

export async function storedIds(store: ConnectionStore): Promise<string[]> {
    const out = await store.dynamodb.send(new ScanCommand({ TableName: store.tableName }));
    return (out.Items ?? []).map((item) => String(item[CONNECTION_ID_ATTRIBUTE]?.S)).sort();
}

/** `n` distinct connection ids, e.g. `conn-0007=`. */
export const connectionIds = (n: number, prefix = "conn") =>
    Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}=`);

/** Stores rows as `$connect` would with `unsubscribed: "all"` (each hears everything), connected at `connectedAt`. */
export async function storeConnections(store: ConnectionStore, ids: string[], connectedAt = Date.now()): Promise<void> {
    const expiresAt = Math.floor(connectedAt / 1000) + CONNECTION_LIFETIME_SECONDS;
    for (const id of ids) {
        await saveConnection(store, { connectionId: id, connectedAt, expiresAt });
        const subscriptions = subscriptionStoreOf(store);
        if (subscriptions) await subscribeImplicitly(subscriptions, id, expiresAt);
    }
}

/** Every subscription row, as `channel connectionId` lines, sorted. */
export async function storedSubscriptions(store: SubscriptionStore): Promise<string[]> {
    const out = await store.dynamodb.send(new ScanCommand({ TableName: store.subscriptionsTable }));
    return (out.Items ?? []).map((item) => `${String(item.channel?.S)} ${String(item[CONNECTION_ID_ATTRIBUTE]?.S)}`).sort();
}

/** Counts the client's calls of one command (e.g. "QueryCommand") while `run` runs. */
export async function countingCommands<T>(
    client: DynamoDBClient,
    command: string,
    run: () => Promise<T>,
): Promise<{ result: T; calls: number }> {
    let calls = 0;
    const name = `count-${command}`;
    client.middlewareStack.add(
        (next, context) => async (args) => {
            if (context.commandName === command) calls++;
            return next(args);
        },
        { step: "initialize", name },
    );
    try {
        return { result: await run(), calls };
    } finally {
        client.middlewareStack.remove(name);
    }
}
