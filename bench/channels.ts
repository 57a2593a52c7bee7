// The channel benchmark: N clients on one BroadcastWebSocket, the time from a put to the last client's message
// when all N hear it (a broadcast) beside when only the 100 subscribed to its channel do, in one run; and how many
// messages reached a client subscribed to no matching channel (there must be none).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as path from "node:path";
import { serveRecording } from "../local/cloud";
import { eventually } from "../local/eventually";
import { recordInChild } from "../local/record/record-in-child";
import { localCredentials } from "../local/services/credentials";
import { Clients } from "./clients";
import { rowCount } from "./fanout";

const PROGRAM = path.join(__dirname, "fanout-program");
const SUBSCRIBERS = 100;
const TARGET = "bench/target/";
const REPEATS = 3;

interface Delivery {
    clients: number;
    received: number;
    duplicates: number;
    missing: number;
    strays: number;
    lastAt: number;
}

export interface ChannelRun {
    /** Median time from the put to the last expected client's message. */
    ms?: number;
    samples: number[];
    /** Clients expected to hear it, and the worst run's counts. */
    clients: number;
    missing: number;
    duplicates: number;
    /** Messages to clients that had not subscribed to a matching channel. */
    strays: number;
}

export interface ChannelResults {
    connections: number;
    subscribers: number;
    broadcast: ChannelRun;
    channel: ChannelRun;
    /** broadcast ÷ channel, of the medians. */
    speedup?: number;
}

export async function channelBenchmark(options: { quick: boolean; log: (line: string) => void }): Promise<ChannelResults> {
    const n = options.quick ? 1_000 : 10_000;
    const { program } = await recordInChild(PROGRAM, { typeCheck: false });
    const cloud = await serveRecording(program, { port: 0, ttlSweepMs: 3_600_000, log: () => undefined });
    const clients = Clients.start();
    const s3 = new S3Client({ endpoint: cloud.s3Endpoint, region: program.region, credentials: localCredentials(), forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ endpoint: cloud.dynamodbEndpoint, region: program.region, credentials: localCredentials() });
    const outputs = cloud.outputs as { urls: Record<string, string>; buckets: Record<string, string>; tables: Record<string, string> };
    let puts = 0;
    const runs = async (prefix: string): Promise<ChannelRun> => {
        const samples: Delivery[] = [];
        for (let i = 0; i < (options.quick ? 1 : REPEATS); i++) {
            await clients.ask("arm");
            const started = performance.timeOrigin + performance.now();
            await s3.send(new PutObjectCommand({ Bucket: outputs.buckets.ours, Key: `${prefix}bench-${++puts}.txt`, Body: "x" }));
            const outcome = await clients.ask<Delivery>("collect", { timeoutMs: 120_000, graceMs: 500 });
            await cloud.lambda.settle();
            samples.push({ ...outcome, lastAt: outcome.lastAt - started });
        }
        const times = samples.map((s) => Math.round(s.lastAt * 10) / 10).sort((a, b) => a - b);
        const worst = (key: "missing" | "duplicates" | "strays") => Math.max(...samples.map((s) => s[key]));
        return {
            ms: times[Math.floor(times.length / 2)],
            samples: times,
            clients: samples[0].clients,
            missing: worst("missing"),
            duplicates: worst("duplicates"),
            strays: worst("strays"),
        };
    };
    try {
        const { open, failed } = await clients.ask<{ open: number; failed: number }>("connect", { url: outputs.urls.ours, n });
        if (failed > 0) throw new Error(`channel bench: ${failed} of ${n} clients could not connect`);
        await eventually(async () => (await rowCount(dynamodb, outputs.tables.ours)) === open, 120_000, `${open} connections stored`, 250);
        // Warm the fan-out's environment (and V8's optimiser) before timing.
        await runs("warm/");
        options.log(`channels: N = ${n}, broadcast to all…`);
        const broadcast = await runs("bench/");
        await clients.ask("subscribe", { target: TARGET, count: SUBSCRIBERS, otherPrefix: "bench/other-" });
        options.log(`channels: ${SUBSCRIBERS} of ${n} subscribed to ${TARGET}, the rest to 100 other channels…`);
        await runs(TARGET);
        const channel = await runs(TARGET);
        const speedup = broadcast.ms && channel.ms ? Math.round((broadcast.ms / channel.ms) * 10) / 10 : undefined;
        options.log(`channels: broadcast ${broadcast.ms} ms, channel ${channel.ms} ms (${speedup}×), strays ${channel.strays}`);
        return { connections: n, subscribers: SUBSCRIBERS, broadcast, channel, speedup };
    } finally {
        await clients.ask("close");
        clients.stop();
        s3.destroy();
        dynamodb.destroy();
        await cloud.stop();
    }
}
