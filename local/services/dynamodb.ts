import {
    CreateTableCommand,
    DeleteItemCommand,
    DynamoDBClient,
    ScanCommand,
    waitUntilTableExists,
    type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { TableSpec } from "../graph/specs";
import { localCredentials } from "./credentials";
import { close, listen, readBodyUpTo, replayRequest } from "./http";
import { deniedMessage, type AccessControl, type Caller } from "./iam/access-control";
import { dynamodbRequests, type DynamoDBPlace } from "./iam/dynamodb-requests";
import type { Faults } from "./faults";
import type { Latency } from "./latency";

/** The operations that read or write items: what the fault model fails (B45); table management never fails. */
const DATA_PLANE = new Set([
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
]);

/** The operation a request names: `DynamoDB_20120810.PutItem` → `PutItem`. */
const operationOf = (req: IncomingMessage): string => String(req.headers["x-amz-target"] ?? "").replace(/^DynamoDB_\d+\./, "");

/** DynamoDB's request size limit, and dynalite's: a larger body is refused with 413 either way. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Reads a function's request and answers it with DynamoDB's `AccessDeniedException` when its role may not make it
 * (P3, P4); otherwise resolves with the request, readable again for dynalite. A body that is not JSON goes on
 * unread by IAM: dynalite refuses it, as DynamoDB does, before it could touch a table.
 */
async function authorized(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    access: AccessControl,
    place: DynamoDBPlace,
): Promise<IncomingMessage | undefined> {
    const body = await readBodyUpTo(req, MAX_REQUEST_BYTES);
    if (body === undefined) {
        res.writeHead(413).end();
        return undefined;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(body.toString("utf8"));
    } catch {
        return replayRequest(req, body);
    }
    const operation = operationOf(req);
    const requestBody = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    const denial = access.check(caller, dynamodbRequests(operation, requestBody, place));
    if (denial === undefined) return replayRequest(req, body);
    res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": randomUUID() }).end(
        JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", Message: deniedMessage(denial) }),
    );
    return undefined;
}

/** Answers a request the fault model fails as DynamoDB would (B45); false when it goes through. */
function injectFault(req: IncomingMessage, res: ServerResponse, faults: Faults | undefined): boolean {
    if (!faults) return false;
    const operation = operationOf(req);
    if (!DATA_PLANE.has(operation)) return false;
    const fault = faults.next("dynamodb", operation);
    if (fault === undefined) return false;
    const [status, type, message] =
        fault === "throttling"
            ? [
                  400,
                  "ProvisionedThroughputExceededException",
                  "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
              ]
            : [500, "InternalServerError", "Internal server error"];
    // The body is left unread: dynalite never sees the request.
    req.resume();
    res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": randomUUID() }).end(
        JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
    );
    return true;
}

/**
 * The program's DynamoDB tables in dynalite, with their keys and indexes. dynalite has no TTL, so expired rows
 * are swept periodically, as DynamoDB deletes them (AWS: within days; here: within `ttlSweepMs`).
 */
export class DynamoDBService {
    private sweeper?: NodeJS.Timeout;
    private sweeping?: Promise<void>;

    private constructor(
        private readonly server: Server,
        readonly endpoint: string,
        private readonly client: DynamoDBClient,
        private readonly tables: TableSpec[],
        private readonly log: (line: string) => void,
    ) {}

    static async start(
        tables: TableSpec[],
        options: {
            port: number;
            path?: string;
            region: string;
            ttlSweepMs: number;
            latency: Latency;
            faults?: Faults;
            /** IAM for the functions' calls; none: every call allowed. */
            access?: AccessControl;
            accountId: string;
            log: (line: string) => void;
        },
    ): Promise<DynamoDBService> {
        const place: DynamoDBPlace = {
            region: options.region,
            accountId: options.accountId,
            hashKeys: new Map(tables.map((table) => [table.name, table.hashKey])),
        };
        const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
        // dynalite answers on its own "request" listener: run it after the modelled latency, IAM (which AWS decides
        // before anything else) and the fault model.
        for (const listener of server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[]) {
            server.off("request", listener);
            const pass = (req: IncomingMessage, res: ServerResponse) => {
                if (!injectFault(req, res, options.faults)) listener.call(server, req, res);
            };
            server.on("request", (req: IncomingMessage, res: ServerResponse) =>
                options.latency.delay(() => {
                    const caller = options.access?.callerOfRequest(req);
                    if (caller === undefined) return pass(req, res);
                    authorized(req, res, caller, options.access!, place).then(
                        (allowed) => allowed && pass(allowed, res),
                        () => res.destroy(),
                    );
                }),
            );
        }
        const endpoint = `http://127.0.0.1:${await listen(server, options.port)}`;
        const client = new DynamoDBClient({ endpoint, region: options.region, credentials: localCredentials() });
        const local = new DynamoDBService(server, endpoint, client, tables, options.log);
        try {
            for (const table of tables) {
                await local.createTable(table);
            }
        } catch (err) {
            await local.stop();
            throw err;
        }
        if (tables.some((t) => t.ttlAttribute)) {
            local.sweeper = setInterval(() => {
                local.sweeping ??= local
                    .sweepExpired()
                    .then(
                        () => undefined,
                        (err: unknown) => options.log(`DynamoDB: TTL sweep failed: ${String(err)}`),
                    )
                    .finally(() => (local.sweeping = undefined));
            }, options.ttlSweepMs);
        }
        return local;
    }

    private async createTable(table: TableSpec): Promise<void> {
        const keySchema = (hash: string, range?: string) => [
            { AttributeName: hash, KeyType: "HASH" as const },
            ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : []),
        ];
        try {
            await this.client.send(
                new CreateTableCommand({
                    TableName: table.name,
                    BillingMode: "PAY_PER_REQUEST",
                    AttributeDefinitions: table.attributes.map((a) => ({
                        AttributeName: a.name,
                        AttributeType: a.type as "S" | "N" | "B",
                    })),
                    KeySchema: keySchema(table.hashKey, table.rangeKey),
                    GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
                        ? table.globalSecondaryIndexes.map((g) => ({
                              IndexName: g.name,
                              KeySchema: keySchema(g.hashKey, g.rangeKey),
                              Projection: {
                                  ProjectionType: (g.projectionType ?? "ALL") as "ALL" | "KEYS_ONLY" | "INCLUDE",
                                  NonKeyAttributes: g.nonKeyAttributes,
                              },
                          }))
                        : undefined,
                }),
            );
        } catch (err) {
            // A persisted state already has the table.
            if ((err as { name?: string }).name !== "ResourceInUseException") {
                throw new Error(`DynamoDB table ${table.name}: ${String(err)}`, { cause: err });
            }
        }
        // Tables are created asynchronously, as in DynamoDB: functions must not write before ACTIVE.
        await waitUntilTableExists({ client: this.client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table.name });
    }

    /** Deletes rows whose TTL attribute (epoch seconds) is in the past. */
    async sweepExpired(now: number = Date.now()): Promise<number> {
        let deleted = 0;
        for (const table of this.tables.filter((t) => t.ttlAttribute)) {
            const keys = [table.hashKey, ...(table.rangeKey ? [table.rangeKey] : [])];
            let startKey: Record<string, AttributeValue> | undefined;
            do {
                const page = await this.client.send(
                    new ScanCommand({
                        TableName: table.name,
                        FilterExpression: "#ttl < :now",
                        ExpressionAttributeNames: { "#ttl": table.ttlAttribute! },
                        ExpressionAttributeValues: { ":now": { N: String(Math.floor(now / 1000)) } },
                        ExclusiveStartKey: startKey,
                    }),
                );
                for (const item of page.Items ?? []) {
                    await this.client.send(
                        new DeleteItemCommand({ TableName: table.name, Key: Object.fromEntries(keys.map((k) => [k, item[k]])) }),
                    );
                    deleted++;
                }
                startKey = page.LastEvaluatedKey;
            } while (startKey);
        }
        if (deleted > 0) this.log(`DynamoDB: TTL deleted ${deleted} expired item(s)`);
        return deleted;
    }

    async stop(): Promise<void> {
        clearInterval(this.sweeper);
        await this.sweeping;
        this.client.destroy();
        await close(this.server);
    }
}
