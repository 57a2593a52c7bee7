// The fan-out benchmark: N clients on a BroadcastWebSocket in the local cloud, one object put, the time until the
// last client has its message, beside a naive fan-out, the SDK-bound and raw-HTTP limits and the ceiling, with the
// latency model off and at 10 ms, and ours again with IAM not enforced, for what enforcing it costs.
import { ScanCommand, DynamoDBClient, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { WebSocket } from "ws";
import { connectionIdPages } from "../handlers/connections";
import { serveRecording, type LocalCloud } from "../local/cloud";
import { ResourceGraph } from "../local/graph/resource-graph";
import type { RecordedProgram } from "../local/record/record-program";
import { MOCK_ACCOUNT_ID } from "../local/record/aws-mocks";
import { functionCredentials } from "../local/services/credentials";
import { AccessControl } from "../local/services/iam/access-control";
import { eventually } from "../local/eventually";
import { localCredentials } from "../local/services/credentials";
import { recordInChild } from "../local/record/record-in-child";
import { Clients } from "./clients";
import { childProcessesCpuMs } from "./processes";

const PROGRAM = path.join(__dirname, "fanout-program");
/** Posts in flight at once: BroadcastWebSocket's default, used by the limits too. */
const CONCURRENCY = 50;
/** The naive fan-out is skipped where it would take longer than this (about N × latency). */
const NAIVE_BUDGET_MS = 20_000;
const WARM_UP_CLIENTS = 1_000;
const WARM_UP_ROUNDS = 4;
/** Each figure is the median of this many runs: on a shared 2-core machine single runs vary by ±20%. */
const REPEATS = 3;

export type Variant = "ceiling" | "rawHttp" | "sdkBound" | "ours" | "oursIamOff" | "oursK2" | "naive";

export interface FanoutRun {
    /** The median of the repetitions. */
    ms?: number;
    /** Every repetition's time. */
    samples?: number[];
    clients: number;
    received: number;
    duplicates: number;
    missing: number;
    /** CPU time of the local cloud's process (gateway, DynamoDB, S3, the limits' loops) during the run, all threads. */
    cloudCpuMs?: number;
    /** CPU time of the Lambda execution environments' processes during the run. */
    environmentsCpuMs?: number;
    /** CPU time of the clients' process during the run. */
    clientsCpuMs?: number;
    skipped?: string;
}

export interface FanoutResults {
    concurrency: number;
    /** By N, then latency (ms), then variant. */
    runs: Record<string, Record<string, Partial<Record<Variant, FanoutRun>>>>;
    /**
     * Local cloud memory per open connection, by N, in bytes, after a full collection: the JavaScript heap (the
     * gateway's socket and connection, the rows' objects), external memory (the Buffers DynamoDB keeps the
     * connection's rows in), and resident memory (which a collection may not shrink).
     */
    memoryPerConnection: Record<string, { heapBytes: number; externalBytes: number; rssBytes: number }>;
    /** What IAM adds to each `@connections` post of the fan-out: one check of its role, timed alone. */
    iamCheckMicros?: number;
}

/**
 * Microseconds per IAM check of a fan-out post, as the gateway makes it (the caller from the signed header, the
 * role's policies against `execute-api:ManageConnections` on the connection), the median of five rounds of 100,000.
 */
export function iamCheckMicros(program: RecordedProgram): number {
    const graph = new ResourceGraph(program);
    const access = AccessControl.fromGraph(graph, { enforced: true, accountId: MOCK_ACCOUNT_ID, region: program.region });
    const fanout = graph.functions().find((fn) => fn.name.startsWith("ours-fanout"));
    const api = graph.websocketApis().find((a) => a.name === "ours");
    if (!fanout || !api) throw new Error("fan-out bench: the program has no ours-fanout function or ours API");
    const headers = {
        authorization: `AWS4-HMAC-SHA256 Credential=${functionCredentials(fanout.name).accessKeyId}/20261202/${program.region}/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
    };
    const arn = `arn:aws:execute-api:${program.region}:${MOCK_ACCOUNT_ID}:${api.apiId}/${api.stage}/POST/@connections/`;
    const rounds: number[] = [];
    for (let round = 0; round < 5; round++) {
        const started = process.hrtime.bigint();
        for (let i = 0; i < 100_000; i++) {
            const denial = access.check(access.callerOf(headers), [{ action: "execute-api:ManageConnections", resource: `${arn}c${i}=` }]);
            if (denial) throw new Error(`fan-out bench: the fan-out's role may not post: ${denial.action} on ${denial.resource}`);
        }
        rounds.push(Number(process.hrtime.bigint() - started) / 100_000 / 1000);
    }
    return Math.round(rounds.sort((a, b) => a - b)[2] * 100) / 100;
}

/** The limits' worker thread: one per run of the benchmark, warm across runs as a Lambda environment is. */
class PostLoop {
    private readonly worker = new Worker(path.join(__dirname, "post-loop.js"));
    run(mode: "sdk" | "raw", endpoint: string, ids: string[], message: string): Promise<{ errors: number }> {
        return new Promise((resolve) => {
            this.worker.once("message", resolve);
            this.worker.postMessage({ mode, endpoint, ids, concurrency: CONCURRENCY, message });
        });
    }
    stop(): Promise<number> {
        return this.worker.terminate();
    }
}

const now = () => performance.timeOrigin + performance.now();
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Rows in a table, counted a Scan page at a time. */
export async function rowCount(dynamodb: DynamoDBClient, table: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
        const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT", ExclusiveStartKey: startKey }));
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
}

async function tableIds(dynamodb: DynamoDBClient, table: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of connectionIdPages({ tableName: table, dynamodb })) ids.push(...page);
    return ids;
}

export async function fanoutBenchmark(options: { quick: boolean; sizes?: number[]; log: (line: string) => void }): Promise<FanoutResults> {
    const sizes = options.sizes ?? (options.quick ? [100, 1_000] : [100, 1_000, 10_000]);
    const latencies = [0, 10];
    const { program } = await recordInChild(PROGRAM, { typeCheck: false });
    const errors: string[] = [];
    // The ceiling writes frames itself to the sockets of the API under test, as they open and until they close.
    const sockets = new Map<string, Set<WebSocket>>();
    const connectionTap = (api: string, socket: WebSocket) => {
        const open = sockets.get(api) ?? sockets.set(api, new Set()).get(api)!;
        open.add(socket);
        socket.once("close", () => open.delete(socket));
    };
    // No TTL sweep during the runs: it scans every table on the gateway's thread.
    const cloud: LocalCloud = await serveRecording(program, {
        port: 0,
        ttlSweepMs: 3_600_000,
        connectionTap,
        log: (line) => /"failed":[1-9]|Error|Timedout/.test(line) && errors.push(line),
    });
    const clients = Clients.start();
    const poster = new PostLoop();
    const s3 = new S3Client({ endpoint: cloud.s3Endpoint, region: program.region, credentials: localCredentials(), forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ endpoint: cloud.dynamodbEndpoint, region: program.region, credentials: localCredentials() });
    const outputs = cloud.outputs as { urls: Record<string, string>; buckets: Record<string, string>; tables: Record<string, string> };
    const apiIndex = (name: string) => cloud.apis.findIndex((api) => api.name === name);
    const results: FanoutResults = { concurrency: CONCURRENCY, runs: {}, memoryPerConnection: {} };
    let puts = 0;
    const message = JSON.stringify({ type: "bench", payload: "x".repeat(200) });

    const connect = async (api: "ours" | "segmented", n: number) => {
        const { open, failed } = await clients.ask<{ open: number; failed: number }>("connect", { url: cloud.apis[apiIndex(api)].url, n });
        if (failed > 0) throw new Error(`fan-out bench: ${failed} of ${n} clients could not connect`);
        await eventually(async () => (await rowCount(dynamodb, outputs.tables[api])) === open, 120_000, `${open} connections stored`, 250);
    };
    const disconnect = async (api: "ours" | "segmented") => {
        await clients.ask("close");
        await cloud.lambda.settle();
        await eventually(async () => (await rowCount(dynamodb, outputs.tables[api])) === 0, 120_000, "every connection removed", 250);
    };
    /** Arms the clients, starts `trigger`, and waits for every client's message (and any duplicate). */
    const measure = async (n: number, latency: number, trigger: () => Promise<unknown>): Promise<FanoutRun> => {
        await clients.ask("arm");
        const cpu = process.cpuUsage();
        const environmentsCpu = childProcessesCpuMs([clients.pid]);
        const started = now();
        await trigger();
        const outcome = await clients.ask<FanoutRun & { lastAt: number }>("collect", {
            timeoutMs: 30_000 + 3 * n * Math.max(latency, 1),
            graceMs: 300,
        });
        // Both CPU figures include the short idle wait for duplicates.
        const cloudCpu = process.cpuUsage(cpu);
        const environmentsCpuMs = childProcessesCpuMs([clients.pid]) - environmentsCpu;
        await cloud.lambda.settle();
        const { lastAt, ...counts } = outcome;
        return {
            ...counts,
            ms: outcome.received > 0 ? Math.round((lastAt - started) * 10) / 10 : undefined,
            cloudCpuMs: Math.round((cloudCpu.user + cloudCpu.system) / 1000),
            environmentsCpuMs: Math.round(environmentsCpuMs),
        };
    };
    /**
     * Runs each variant `REPEATS` times, interleaved so that the machine's noise falls on all of them alike, and
     * keeps the median time; the delivery counts are the worst run's, so one lost or doubled message shows.
     */
    const compare = async (n: number, latency: number, variants: Partial<Record<Variant, () => Promise<unknown>>>) => {
        const runs = new Map<Variant, FanoutRun[]>();
        for (let i = 0; i < (options.quick ? 1 : REPEATS); i++) {
            for (const [variant, trigger] of Object.entries(variants) as [Variant, () => Promise<unknown>][]) {
                runs.set(variant, [...(runs.get(variant) ?? []), await measure(n, latency, trigger)]);
            }
        }
        const summary: Partial<Record<Variant, FanoutRun>> = {};
        for (const [variant, list] of runs) {
            const byTime = [...list].sort((a, b) => (a.ms ?? Number.POSITIVE_INFINITY) - (b.ms ?? Number.POSITIVE_INFINITY));
            const worst = list.reduce((a, b) => (b.missing + b.duplicates > a.missing + a.duplicates ? b : a));
            const { received, duplicates, missing } = worst;
            summary[variant] = {
                ...byTime[Math.floor(byTime.length / 2)],
                received,
                duplicates,
                missing,
                samples: list.map((r) => r.ms ?? Number.NaN),
            };
        }
        return summary;
    };
    /** An object put, with IAM enforced on the functions it triggers (the default) or not, for what IAM costs. */
    const put =
        (bucket: string, iam = true) =>
        () => {
            cloud.iam.set(iam);
            return s3.send(new PutObjectCommand({ Bucket: bucket, Key: `bench-${++puts}.txt`, Body: "x" }));
        };

    try {
        // V8 optimises the SDK's code only after a few thousand calls (a cold loop of 1,000 posts takes about three
        // times as long as a warm one): warm every function and the limits' worker on 1,000 clients, untimed.
        const endpoint = cloud.apis[apiIndex("ours")].managementEndpoint;
        await connect("ours", WARM_UP_CLIENTS);
        const warmIds = await tableIds(dynamodb, outputs.tables.ours);
        for (let round = 0; round < WARM_UP_ROUNDS; round++) {
            await measure(WARM_UP_CLIENTS, 0, () => poster.run("raw", endpoint, warmIds, message));
            await measure(WARM_UP_CLIENTS, 0, () => poster.run("sdk", endpoint, warmIds, message));
            await measure(WARM_UP_CLIENTS, 0, put(outputs.buckets.ours));
        }
        await measure(WARM_UP_CLIENTS, 0, put(outputs.buckets.naive));
        await disconnect("ours");
        await connect("segmented", WARM_UP_CLIENTS);
        // Each of its two workers posts half as often per round: twice the rounds.
        for (let round = 0; round < 2 * WARM_UP_ROUNDS; round++) await measure(WARM_UP_CLIENTS, 0, put(outputs.buckets.segmented));
        await disconnect("segmented");

        for (const n of sizes) {
            options.log(`fan-out: N = ${n}`);
            const byLatency: Record<string, Partial<Record<Variant, FanoutRun>>> = {};
            results.runs[n] = byLatency;
            const memory = () => {
                gc();
                const usage = process.memoryUsage();
                return { heap: usage.heapUsed, external: usage.external, rss: usage.rss };
            };
            const before = memory();
            await connect("ours", n);
            const after = memory();
            // Below 1,000 connections the collector's own variation outweighs what they hold.
            if (n >= 1_000)
                results.memoryPerConnection[n] = {
                    heapBytes: Math.round((after.heap - before.heap) / n),
                    externalBytes: Math.round((after.external - before.external) / n),
                    rssBytes: Math.round((after.rss - before.rss) / n),
                };
            const ids = await tableIds(dynamodb, outputs.tables.ours);
            for (const latency of latencies) {
                cloud.latency.set(latency);
                const naiveSkipped = n * latency > NAIVE_BUDGET_MS;
                const runs = await compare(n, latency, {
                    ceiling: async () => {
                        for (const socket of sockets.get("ours") ?? []) socket.send(message);
                    },
                    rawHttp: () => poster.run("raw", endpoint, ids, message),
                    sdkBound: () => poster.run("sdk", endpoint, ids, message),
                    ours: put(outputs.buckets.ours),
                    oursIamOff: put(outputs.buckets.ours, false),
                    ...(naiveSkipped ? {} : { naive: put(outputs.buckets.naive) }),
                });
                if (naiveSkipped) {
                    runs.naive = {
                        clients: n,
                        received: 0,
                        duplicates: 0,
                        missing: 0,
                        skipped: `about N × latency = ${((n * latency) / 1000).toFixed(0)} s, over the ${NAIVE_BUDGET_MS / 1000} s budget`,
                    };
                }
                byLatency[latency] = runs;
                options.log(
                    `fan-out: N = ${n}, latency ${latency} ms: ${Object.entries(runs)
                        .map(([k, v]) => `${k} ${v?.ms ?? "–"} ms`)
                        .join(", ")}`,
                );
            }
            cloud.latency.set(0);
            cloud.iam.set(true);
            await disconnect("ours");

            await connect("segmented", n);
            for (const latency of latencies) {
                cloud.latency.set(latency);
                byLatency[latency].oursK2 = (await compare(n, latency, { oursK2: put(outputs.buckets.segmented) })).oursK2;
            }
            cloud.latency.set(0);
            await disconnect("segmented");
        }
    } finally {
        clients.stop();
        await poster.stop();
        s3.destroy();
        dynamodb.destroy();
        await cloud.stop();
    }
    if (errors.length > 0) options.log(`fan-out: the local cloud logged ${errors.length} errors; first: ${errors[0]}`);
    results.iamCheckMicros = iamCheckMicros(program);
    options.log(`fan-out: one IAM check of a post takes ${results.iamCheckMicros} µs`);
    return results;
}
