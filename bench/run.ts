// `npm run bench`: measures the local cloud beside its peers in one run and writes BENCHMARKS.md and
// BENCHMARKS.json. A benchmark, not a test: it reports and never fails on a figure. Loopback only, bounded.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordInChild } from "../local/record/record-in-child";
import { archiveFigures } from "./archives";
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, reportDirectory, type BenchArgs, type Step } from "./args";
import { channelBenchmark } from "./channels";
import { fanoutBenchmark } from "./fanout";
import { memoryFigures } from "./memory";
import { median, processTree, run, startProcess, stopProcess } from "./processes";
import { benchmarkReport } from "./report";
import { startupFigures, starts } from "./startup";

const ROOT = path.resolve(__dirname, "..");
/** The peer kit: the echo load client, the bare ws ceiling and the serverless-offline app. */
const PEERS = path.join(__dirname, "peers");
const NODE_PATH = path.join(ROOT, "node_modules");

type Args = BenchArgs;

type EchoResult = Record<string, unknown>;

async function echoBench(url: string, quick: boolean): Promise<EchoResult> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sw-bench-")), "echo.json");
    const counts = quick ? ["--seq", "300", "--conns", "50", "--per", "10", "--connects", "100"] : [];
    await run(
        process.execPath,
        [
            path.join(PEERS, "bench.mjs"),
            url,
            "--phases",
            "abbc",
            "--phase-timeout",
            "90000",
            "--msg-timeout",
            "10000",
            "--json",
            out,
            ...counts,
        ],
        {
            env: { ...process.env, NODE_PATH },
            timeout: 600_000,
            maxBuffer: 16 * 1024 * 1024,
        },
    );
    return JSON.parse(fs.readFileSync(out, "utf8")) as EchoResult;
}

async function localCloud(args: Args) {
    const launch =
        (...flags: string[]) =>
        () =>
            startProcess(process.execPath, ["bin/serverless-websockets.js", "dev", "--quiet", "--port", "3411", ...flags], {
                cwd: ROOT,
                ready: /Ready in/,
                timeoutMs: 120_000,
            });
    const startup = await startupFigures(ROOT, launch(), args.quick);
    const memory = await memoryFigures(ROOT, launch(), args.quick);
    const echoOf = async (flags: string[]) => {
        const server = await launch(...flags)();
        try {
            const echo = await echoBench("ws://127.0.0.1:3411/dev", args.quick);
            return { echo, rssKb: (await processTree(server.child)).kb };
        } finally {
            await stopProcess(server.child);
        }
    };
    const { echo, rssKb } = await echoOf([]);
    // The same echo with IAM not enforced, for what enforcing it costs on the gateway's path.
    const iamOff = await echoOf(["--iam", "off"]);
    return {
        startupMs: startup.warmMs,
        startupMedianMs: median(startup.warmMs),
        startup,
        memory,
        echo,
        rssKbAfterEcho: rssKb,
        iamOff: { echo: iamOff.echo },
    };
}

async function refEcho(args: Args) {
    const server = await startProcess(process.execPath, [path.join(PEERS, "ref-echo.mjs"), "3421"], {
        cwd: ROOT,
        env: { NODE_PATH },
        ready: /ref echo on/,
        timeoutMs: 20_000,
    });
    try {
        return { echo: await echoBench("ws://127.0.0.1:3421", args.quick) };
    } finally {
        await stopProcess(server.child);
    }
}

/** serverless-offline 14.8.2, installed into a temporary folder (never into this project), default and in-process modes. */
async function serverlessOffline(args: Args) {
    const dir = process.env.SLS_PEER_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "sw-sls-"));
    if (!fs.existsSync(path.join(dir, "node_modules", "serverless-offline"))) {
        for (const file of fs.readdirSync(path.join(PEERS, "serverless-offline")))
            fs.copyFileSync(path.join(PEERS, "serverless-offline", file), path.join(dir, file));
        await run(
            "npm",
            [
                "install",
                "--no-audit",
                "--no-fund",
                "--legacy-peer-deps",
                "serverless@3.40.0",
                "serverless-offline@14.8.2",
                "@aws-sdk/client-apigatewaymanagementapi",
                "ws",
            ],
            {
                cwd: dir,
                timeout: 600_000,
                maxBuffer: 64 * 1024 * 1024,
            },
        );
    }
    const env = { SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
    const results: Record<string, unknown> = {};
    for (const [mode, extra] of [
        ["default", []],
        ["inProcess", ["--useInProcess"]],
    ] as const) {
        const launch = () =>
            startProcess(process.execPath, [path.join(dir, "node_modules", "serverless", "bin", "serverless.js"), "offline", ...extra], {
                cwd: dir,
                env,
                ready: /ws:\/\/127\.0\.0\.1:3201/,
                timeoutMs: 120_000,
            });
        const startups = (await starts(launch, args.quick ? 2 : 5)).ms;
        const server = await launch();
        try {
            results[mode] = {
                startupMs: startups,
                startupMedianMs: median(startups),
                echo: await echoBench("ws://127.0.0.1:3201", args.quick),
            };
        } finally {
            await stopProcess(server.child);
        }
    }
    return results;
}

async function testWallTime(): Promise<number> {
    const started = Date.now();
    try {
        await run("npm", ["test"], { cwd: ROOT, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
        // The step keeps one line: the count and the first failing test, which the bare "Command failed" hides.
        const output = String((err as { stdout?: unknown }).stdout ?? "");
        const failing = /(\d+ failing)\s+1\) ([^\n]+)\n\s+([^\n]+)/.exec(output);
        throw new Error(failing ? `npm test: ${failing[1]}; first: ${failing[2].trim()} ${failing[3].trim()}` : String(err), {
            cause: err,
        });
    }
    return Date.now() - started;
}

async function main(): Promise<void> {
    let args: Args;
    try {
        args = parseBenchArgs(process.argv.slice(2));
    } catch (err) {
        if (!(err instanceof BenchUsageError)) throw err;
        console.error(`bench: ${err.message}`);
        process.exit(2);
    }
    if (args.help) {
        console.log(BENCH_USAGE);
        return;
    }
    const startedAt = new Date();
    const results: Record<string, unknown> = {
        machine: {
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model,
            memoryGiB: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
            platform: `${os.type()} ${os.release()}`,
        },
        date: startedAt.toISOString(),
        quick: args.quick,
    };
    const step = async (name: Step, work: () => Promise<unknown>) => {
        if (args.only && !args.only.includes(name)) return;
        console.log(`bench: ${name}…`);
        try {
            results[name] = await work();
        } catch (err) {
            results[name] = { error: err instanceof Error ? err.message.split("\n")[0] : String(err) };
            console.log(`bench: ${name} failed: ${String(results[name] && (results[name] as { error: string }).error)}`);
        }
    };
    await step("ceiling", () => refEcho(args));
    await step("localCloud", () => localCloud(args));
    if (args.peers) await step("serverlessOffline", () => serverlessOffline(args));
    await step("fanout", () =>
        fanoutBenchmark({ quick: args.quick, sizes: args.fanoutSizes, log: (line) => console.log(`bench: ${line}`) }),
    );
    await step("channels", () => channelBenchmark({ quick: args.quick, log: (line) => console.log(`bench: ${line}`) }));
    await step("archives", async () => archiveFigures(ROOT, (await recordInChild(ROOT, { typeCheck: false })).program));
    if (args.tests) await step("npmTestMs", testWallTime);
    const directory = reportDirectory(args, ROOT);
    if (directory === undefined) {
        // A partial run: its figures are printed, never written over the tracked report.
        console.log(JSON.stringify(results, null, 2));
        return;
    }
    fs.mkdirSync(directory, { recursive: true });
    fs.writeFileSync(path.join(directory, "BENCHMARKS.json"), JSON.stringify(results, null, 2) + "\n");
    fs.writeFileSync(
        path.join(directory, "BENCHMARKS.md"),
        benchmarkReport(results as unknown as Parameters<typeof benchmarkReport>[0], process.argv.slice(2)),
    );
    console.log(`bench: wrote BENCHMARKS.md and BENCHMARKS.json${directory === ROOT ? "" : ` in ${directory}`}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
});
