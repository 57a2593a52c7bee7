import { DynamoDBClient, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { IncomingMessage } from "node:http";
import * as path from "node:path";
import WebSocket from "ws";
import { serveRecording, type LocalCloud, type LocalCloudOptions } from "../../local/cloud";
import type { RecordedProgram } from "../../local/record/record-program";
import { recordInChild } from "../../local/record/record-in-child";
import { localCredentials } from "../../local/services/credentials";
import { printedMessage } from "../../local/services/lambda/log-lines";
import { ROOT } from "./record";
import { subscribeImplicitly } from "../../handlers/subscriptions";

const recordings = new Map<string, Promise<RecordedProgram>>();

/** Records a program once per test run (transpile-only, in a child process) and reuses the graph. */
export function recorded(programDir: string): Promise<RecordedProgram> {
    if (!recordings.has(programDir)) {
        recordings.set(
            programDir,
            recordInChild(programDir, { typeCheck: false }).then((r) => r.program),
        );
    }
    return recordings.get(programDir)!;
}

export interface TestCloud {
    cloud: LocalCloud;
    /** Every log line: gateway notes and each function's console output. */
    logs: string[];
    /** What functions printed (the messages, as `logsOf` gives them), of those whose name starts with `functionPrefix`. */
    printed(functionPrefix?: string): string[];
    /** Messages a function printed as JSON with a `probe` field, parsed. */
    probes(probe: string): Record<string, unknown>[];
    url(output: string): string;
}

/** The messages functions printed, from the log's `[name] line`s. */
function printedBy(logs: string[], functionPrefix = ""): string[] {
    return logs.flatMap((line) => {
        const match = /^\[([^\]]+)\] ([\s\S]*)$/.exec(line);
        if (!match || !match[1].startsWith(functionPrefix)) return [];
        const message = printedMessage(match[2]);
        return message === undefined ? [] : [message];
    });
}

/** Starts a local cloud on ephemeral ports with its log captured. */
export async function startTestCloud(program: RecordedProgram, options: Partial<LocalCloudOptions> = {}): Promise<TestCloud> {
    const logs: string[] = [];
    const cloud = await serveRecording(program, { port: 0, asyncRetryDelaysMs: [50, 100], ...options, log: (line) => logs.push(line) });
    return {
        cloud,
        logs,
        printed: (functionPrefix) => printedBy(logs, functionPrefix),
        probes: (probe) =>
            printedBy(logs).flatMap((message) => {
                try {
                    const parsed = JSON.parse(message) as Record<string, unknown>;
                    return parsed.probe === probe ? [parsed] : [];
                } catch {
                    return [];
                }
            }),
        url: (output) => String(cloud.outputs[output]),
    };
}

/** A WebSocket client that queues what it receives and remembers how it was closed. */
export class TestClient {
    readonly messages: string[] = [];
    readonly closed: Promise<{ code: number; reason: string }>;
    private waiters: ((message: string) => void)[] = [];

    private constructor(readonly ws: WebSocket) {
        ws.on("message", (data) => {
            const text = data.toString();
            const waiter = this.waiters.shift();
            if (waiter) waiter(text);
            else this.messages.push(text);
        });
        this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    }

    static open(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<TestClient> {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
            const client = new TestClient(ws);
            ws.once("open", () => resolve(client));
            ws.once("unexpected-response", (_req, res: IncomingMessage) => reject(new HandshakeRejected(res.statusCode ?? 0)));
            ws.once("error", reject);
        });
    }

    /** The next message, or a failure after `timeoutMs`. */
    next(timeoutMs = 5_000): Promise<string> {
        const queued = this.messages.shift();
        if (queued !== undefined) return Promise.resolve(queued);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== waiter);
                reject(new Error(`no message within ${timeoutMs} ms`));
            }, timeoutMs);
            const waiter = (message: string) => {
                clearTimeout(timer);
                resolve(message);
            };
            this.waiters.push(waiter);
        });
    }

    /** Sends and waits for the next message. */
    async ask(message: string, timeoutMs?: number): Promise<string> {
        this.ws.send(message);
        return this.next(timeoutMs);
    }

    async close(code?: number, reason?: string): Promise<{ code: number; reason: string }> {
        this.ws.close(code, reason);
        return this.closed;
    }
}

export class HandshakeRejected extends Error {
    constructor(readonly status: number) {
        super(`handshake rejected with HTTP ${status}`);
    }
}

/** The HTTP status a handshake is rejected with, or 101 when it succeeds. */
export async function handshakeStatus(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<number> {
    try {
        const client = await TestClient.open(url, options);
        await client.close();
        return 101;
    } catch (err) {
        if (err instanceof HandshakeRejected) return err.status;
        throw err;
    }
}

export { eventually } from "../../local/eventually";

/** The error frame API Gateway sends (B5–B7), as a pattern with the connection and request ids. */
export const errorFramePattern = (message: string) =>
    new RegExp(`^\\{"message": "${message}", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\\}$`);

/** Registers before/after hooks that run a local cloud for the enclosing `describe`; call the result inside tests. */
export function useTestCloud(programDir: string, options: Partial<LocalCloudOptions> = {}): () => TestCloud {
    let t: TestCloud | undefined;
    before(async () => {
        t = await startTestCloud(await recorded(programDir), options);
    });
    after(async () => t?.cloud.stop());
    return () => t!;
}

/** SDK clients for the test cloud's S3 and DynamoDB. */
export function clients(t: TestCloud) {
    const s3 = new S3Client({ endpoint: t.cloud.s3Endpoint, region: "us-east-1", credentials: localCredentials(), forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ endpoint: t.cloud.dynamodbEndpoint, region: "us-east-1", credentials: localCredentials() });
    return { s3, dynamodb };
}

/** The connection ids stored in a connections table, sorted. */
export async function rows(dynamodb: DynamoDBClient, table: string): Promise<string[]> {
    const { Items } = await dynamodb.send(new ScanCommand({ TableName: table }));
    return (Items ?? []).map((item) => String(item.connectionId.S)).sort();
}

/**
 * Writes the rows `$connect` leaves for a connection API Gateway no longer has (as after a lost `$disconnect`):
 * its connection row and its implicit subscription to everything.
 */
export async function putGhostConnection(
    dynamodb: DynamoDBClient,
    tables: { connections: string; subscriptions: string },
    connectionId: string,
    expiresAt = Math.floor(Date.now() / 1000) + 3600,
): Promise<void> {
    const connectedAt = { N: String(Date.now()) };
    await dynamodb.send(
        new PutItemCommand({
            TableName: tables.connections,
            Item: { connectionId: { S: connectionId }, connectedAt, expiresAt: { N: String(expiresAt) } },
        }),
    );
    await subscribeImplicitly(
        { tableName: tables.connections, subscriptionsTable: tables.subscriptions, dynamodb },
        connectionId,
        expiresAt,
    );
}

/** The fixture of edge cases the gateway and Lambda runtime tests run: its `edge` API carries most of them. */
export const BEHAVIOUR = path.join(ROOT, "tests", "fixtures", "behaviour");

/**
 * A local cloud of the behaviour fixture for the enclosing `describe`, read through once it has started, and a way
 * to open clients on its `edge` API.
 */
type ClientOptions = Parameters<typeof TestClient.open>[1];

export function useBehaviourCloud(
    options: Partial<LocalCloudOptions> = {},
): TestCloud & { open(query?: string, clientOptions?: ClientOptions): Promise<TestClient> } {
    const current = useTestCloud(BEHAVIOUR, options);
    return {
        get cloud() {
            return current().cloud;
        },
        get logs() {
            return current().logs;
        },
        printed: (functionPrefix) => current().printed(functionPrefix),
        probes: (probe) => current().probes(probe),
        url: (output) => current().url(output),
        open: (query = "", clientOptions: ClientOptions = {}) => TestClient.open(current().url("edgeUrl") + query, clientOptions),
    };
}
