import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import { CONNECTION_ID_ATTRIBUTE, CONNECTION_LIFETIME_SECONDS, saveConnection, type ConnectionStore } from "../../handlers/connections";

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
/** A fresh connections table with the schema BroadcastWebSocket deploys. */
export async function createConnectionsTable(client: DynamoDBClient): Promise<ConnectionStore> {
    const tableName = `connections-${++tables}-${process.pid}`;
    await client.send(
        new CreateTableCommand({
            TableName: tableName,
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [{ AttributeName: CONNECTION_ID_ATTRIBUTE, AttributeType: "S" }],
            KeySchema: [{ AttributeName: CONNECTION_ID_ATTRIBUTE, KeyType: "HASH" }],
        }),
    );
    // dynalite, like DynamoDB, creates tables asynchronously: writes before ACTIVE are refused.
    await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
    return { tableName, dynamodb: client };
}

export async function storedIds(store: ConnectionStore): Promise<string[]> {
    const out = await store.dynamodb.send(new ScanCommand({ TableName: store.tableName }));
    return (out.Items ?? []).map((item) => String(item[CONNECTION_ID_ATTRIBUTE]?.S)).sort();
}

/** `n` distinct connection ids, e.g. `conn-0007=`. */
export const connectionIds = (n: number, prefix = "conn") =>
    Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}=`);

/** Stores rows as `$connect` would, connected at `connectedAt`. */
export async function storeConnections(store: ConnectionStore, ids: string[], connectedAt = Date.now()): Promise<void> {
    for (const id of ids) {
        await saveConnection(store, {
            connectionId: id,
            connectedAt,
            expiresAt: Math.floor(connectedAt / 1000) + CONNECTION_LIFETIME_SECONDS,
        });
    }
}
