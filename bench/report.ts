import type { ArchiveFigure } from "./archives";
import type { ChannelResults, ChannelRun } from "./channels";
import type { FanoutResults, FanoutRun, Variant } from "./fanout";
import type { MemoryFigures } from "./memory";
import { median } from "./processes";
import type { StartupFigures } from "./startup";

type Phase = {
    msgsPerSec?: number;
    connectsPerSecWall?: number;
    rttMs?: { p50: number; p99: number };
    openMs?: { p50: number; p99: number };
    failedOrLost?: number;
    fail?: number;
    ok?: number;
    expected?: number;
    sent?: number;
};
type Echo = { a?: Phase; b?: Phase[]; c?: Phase } & Record<string, unknown>;
type Target = {
    echo?: Echo;
    startupMedianMs?: number;
    startupMs?: number[];
    rssKbAfterEcho?: number;
    startup?: StartupFigures;
    memory?: MemoryFigures;
    /** The local cloud's echo again with `--iam off`. */
    iamOff?: Target;
    error?: string;
};

interface Results {
    machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; platform: string };
    date: string;
    quick: boolean;
    ceiling?: Target;
    localCloud?: Target;
    serverlessOffline?: { default?: Target; inProcess?: Target; error?: string };
    archives?: { ours: ArchiveFigure[]; callbackFunctionDefault: ArchiveFigure[] } & { error?: string };
    npmTestMs?: number | { error: string };
    fanout?: FanoutResults & { error?: string };
    channels?: ChannelResults & { error?: string };
}

/** bench.mjs's JSON nests phases by letter; (b) appears once per run of it. */
function phases(echo: Echo | undefined): { a?: Phase; bCold?: Phase; bWarm?: Phase; c?: Phase } {
    if (!echo) return {};
    const raw = echo as Record<string, unknown>;
    const find = (key: string) => raw[key] as Phase | Phase[] | undefined;
    const b = find("b");
    const bs = Array.isArray(b) ? b : b ? [b] : [];
    return { a: find("a") as Phase | undefined, bCold: bs[0], bWarm: bs[1] ?? bs[0], c: find("c") as Phase | undefined };
}

const n = (value: number | undefined, digits = 0) =>
    value === undefined || Number.isNaN(value)
        ? "–"
        : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percent = (share: number | undefined) => (share === undefined ? undefined : share * 100);

const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? "–" : `${(a / b).toFixed(2)}×`;
const lost = (phase: Phase | undefined) =>
    phase === undefined
        ? "–"
        : String(
              phase.failedOrLost ??
                  phase.fail ??
                  (phase.expected !== undefined && phase.ok !== undefined ? phase.expected - phase.ok : "–"),
          );

/** Label, target, measured value, whether it meets the target, and the value's unit. */
type TargetRow = [string, string, number | undefined, (v: number) => boolean, ("×" | "%" | "ms" | "MB" | "B")?];

const verdict = (value: number | undefined, ok: (v: number) => boolean) => (value === undefined ? "–" : ok(value) ? "met" : "**not met**");
const quotient = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const medianOf = (values: number[] | undefined) => (values && values.length > 0 ? median(values) : undefined);

function measured(value: number | undefined, unit: TargetRow[4] = "×"): string {
    if (value === undefined || Number.isNaN(value)) return "–";
    if (unit === "%") return `${value.toFixed(2)} %`;
    if (unit === "×") return `${value.toFixed(2)}×`;
    return `${n(value, unit === "MB" ? 1 : 0)} ${unit}`;
}

function targetTable(rows: TargetRow[]): string {
    return [
        "| target | wanted | measured | |",
        "|---|---|---|---|",
        ...rows.map(([label, wanted, value, ok, unit]) => `| ${label} | ${wanted} | ${measured(value, unit)} | ${verdict(value, ok)} |`),
    ].join("\n");
}

/** The performance targets: start-up, memory, fan-out and echo, each a figure or a ratio of this run. */
function performanceTargets(results: Results): TargetRow[] {
    const local = results.localCloud;
    const startup = local?.startup;
    const fanout = results.fanout?.error ? undefined : results.fanout;
    const N = 10_000;
    const fan = (latency: number, variant: Variant) => fanout?.runs[N]?.[latency]?.[variant]?.ms;
    const echo = phases(local?.echo);
    const slsDefault = phases(results.serverlessOffline?.default?.echo);
    const slsInProcess = phases(results.serverlessOffline?.inProcess?.echo);
    const ceiling = phases(results.ceiling?.echo);
    const perConnection = fanout?.memoryPerConnection[N];
    return [
        [
            "warm start ÷ serverless-offline's start",
            "≤ 1.00×",
            quotient(medianOf(startup?.warmMs), results.serverlessOffline?.default?.startupMedianMs),
            (v) => v <= 1,
        ],
        ["cold start (after an edit), type check on", "≤ 3,000 ms", medianOf(startup?.coldMs), (v) => v <= 3_000, "ms"],
        [
            "process tree at rest, 5 s after ready",
            "≤ 150 MB",
            local?.memory ? local.memory.atRestKb / 1024 : undefined,
            (v) => v <= 150,
            "MB",
        ],
        [
            `JavaScript heap per open connection, N = ${n(N)} (external memory apart: see Memory)`,
            "≤ 5,120 B",
            perConnection?.heapBytes,
            (v) => v <= 5_120,
            "B",
        ],
        [`SDK-bound ÷ ours K = 1, 0 ms, N = ${n(N)}`, "≥ 2×", quotient(fan(0, "sdkBound"), fan(0, "ours")), (v) => v >= 2],
        [`ours K = 1 ÷ raw HTTP, 0 ms, N = ${n(N)}`, "≤ 2×", quotient(fan(0, "ours"), fan(0, "rawHttp")), (v) => v <= 2],
        [`ours K = 1 ÷ ours K = 2, 0 ms, N = ${n(N)}`, "≥ 1.5×", quotient(fan(0, "ours"), fan(0, "oursK2")), (v) => v >= 1.5],
        [`ours K = 1 ÷ ours K = 2, 10 ms, N = ${n(N)}`, "≥ 1.5×", quotient(fan(10, "ours"), fan(10, "oursK2")), (v) => v >= 1.5],
        ["echo (a) sequential ÷ serverless-offline default", "≥ 2×", quotient(echo.a?.msgsPerSec, slsDefault.a?.msgsPerSec), (v) => v >= 2],
        [
            "echo (a) sequential ÷ serverless-offline --useInProcess",
            "≥ 1×",
            quotient(echo.a?.msgsPerSec, slsInProcess.a?.msgsPerSec),
            (v) => v >= 1,
        ],
        [
            "echo (b) burst, warm ÷ the bare ws ceiling",
            "≥ 0.5×",
            quotient(echo.bWarm?.msgsPerSec, ceiling.bWarm?.msgsPerSec),
            (v) => v >= 0.5,
        ],
    ];
}

function startupSection(results: Results): string {
    const local = results.localCloud;
    const startup = local?.startup;
    const cold = medianOf(startup?.coldMs);
    const row = (label: string, runs: number[] | undefined) => `| ${label} | ${n(medianOf(runs))} ms | ${(runs ?? []).join(", ")} |`;
    return `## Start-up

From launching the process to ready (outputs printed, ports open), the median of the starts, each stopped before the
next. **Warm**: nothing changed since the last start, so the type check's stamp holds and the recording is reused
(the ready line said: "${startup?.warmNote ?? "–"}"). **Cold**: as after an edit to the program, the type check's stamp
and the recording are gone and both are redone, in two processes at once; TypeScript's incremental build info is kept
(the ready line said: "${startup?.coldNote ?? "–"}"). The two halves of a cold start, each alone: the type check
(\`local/record/type-check.js\`) and the recording (\`local/record/pulumi-host.js\`, the program run under mocks).

| target | median | all runs (ms) |
|---|---|---|
${row("local cloud, warm (`serverless-websockets dev --quiet`)", startup?.warmMs)}
${row("local cloud, cold", startup?.coldMs)}
${row("the type check alone, cold", startup?.typeCheckColdMs)}
${row("the recording alone, cold", startup?.recordingColdMs)}
${row('serverless-offline default (to "listening")', results.serverlessOffline?.default?.startupMs)}
${row("serverless-offline --useInProcess", results.serverlessOffline?.inProcess?.startupMs)}

The type check alone is ${measured(percent(quotient(medianOf(startup?.typeCheckColdMs), cold)), "%")} of a cold start's time, the recording alone
${measured(percent(quotient(medianOf(startup?.recordingColdMs), cold)), "%")}: a cold start is bound by the longer of the two, which share the machine's ${results.machine.cpus} cores.
`;
}

function memorySection(results: Results): string {
    const memory = results.localCloud?.memory;
    const perConnection = results.fanout?.memoryPerConnection ?? {};
    const mb = (kb: number | undefined) => (kb === undefined ? "–" : `${n(kb / 1024, 1)} MB`);
    return `## Memory

The local cloud running \`index.ts\`, its whole process tree (the gateway's process and each Lambda execution
environment's), resident memory summed over the tree:

| when | resident | processes |
|---|---|---|
| at rest, 5 s after ready | ${mb(memory?.atRestKb)} | ${memory?.processes.atRest ?? "–"} |
| ${n(memory?.connections)} connections open on the broadcast API (each ran \`$connect\`), 5 s later | ${mb(memory?.withConnectionsKb)} | ${memory?.processes.withConnections ?? "–"} |
| 5 s after they closed (each ran \`$disconnect\`) | ${mb(memory?.afterCloseKb)} | ${memory?.processes.afterClose ?? "–"} |
| after the echo run below | ${mb(results.localCloud?.rssKbAfterEcho)} | |

Per open connection, from the fan-out's connections (the local cloud in the benchmark's process, after a full
collection): the JavaScript heap (the gateway's socket and connection, the rows' objects), external memory (the
Buffers DynamoDB keeps each connection's two rows in) and resident memory:

| N | heap | external | resident |
|---|---|---|---|
${Object.entries(perConnection)
    .map(([size, m]) => `| ${n(Number(size))} | ${n(m.heapBytes)} B | ${n(m.externalBytes)} B | ${n(m.rssBytes)} B |`)
    .join("\n")}
`;
}

export function benchmarkReport(results: Results, argv: string[]): string {
    const targets: [string, Target | undefined][] = [
        ["bare ws echo (ceiling)", results.ceiling],
        ["local cloud (`npm start`)", results.localCloud],
        ["local cloud, `--iam off`", results.localCloud?.iamOff],
        ["serverless-offline 14.8.2, default", results.serverlessOffline?.default],
        ["serverless-offline 14.8.2, --useInProcess", results.serverlessOffline?.inProcess],
    ];
    const rows = targets.map(([name, target]) => {
        if (!target || target.error) return `| ${name} | ${target?.error ? `failed: ${target.error}` : "not run"} | | | | |`;
        const p = phases(target.echo);
        return `| ${name} | ${n(p.a?.msgsPerSec)} (${n(p.a?.rttMs?.p50, 2)}/${n(p.a?.rttMs?.p99, 2)}) | ${n(p.bCold?.msgsPerSec)} | ${n(p.bWarm?.msgsPerSec)} (${n(p.bWarm?.rttMs?.p50, 1)}/${n(p.bWarm?.rttMs?.p99, 1)}) | ${lost(p.a)} / ${lost(p.bCold)} / ${lost(p.bWarm)} | ${n(p.c?.connectsPerSecWall)} |`;
    });
    const local = phases(results.localCloud?.echo);
    const localIamOff = phases(results.localCloud?.iamOff?.echo);
    const ceiling = phases(results.ceiling?.echo);
    const slsDefault = phases(results.serverlessOffline?.default?.echo);
    const slsInProcess = phases(results.serverlessOffline?.inProcess?.echo);
    const archives = results.archives?.ours ?? [];
    const defaults = new Map((results.archives?.callbackFunctionDefault ?? []).map((a) => [a.name, a]));
    const npmTest =
        typeof results.npmTestMs === "number"
            ? `${(results.npmTestMs / 1000).toFixed(0)} s`
            : results.npmTestMs
              ? `failed: ${results.npmTestMs.error}`
              : "not run";
    return `# Benchmarks

Written by \`npm run bench${argv.length ? " -- " + argv.join(" ") : ""}\` on ${results.date.slice(0, 10)}, on one ${results.machine.cpus}-core machine (${results.machine.cpuModel ?? "unknown CPU"}, ${results.machine.memoryGiB} GiB, Node.js ${results.machine.node}).
Every ratio compares figures from this one run; the machine is shared and noisy, so re-run before comparing across runs.
Raw figures: \`BENCHMARKS.json\`.${results.quick ? " **Quick mode: reduced counts, a smoke run, not for comparison.**" : ""}

## Targets

Each from the sections below.

${targetTable(performanceTargets(results))}

## Echo round trips

\`bench/peers/bench.mjs <url> --phases abbc\`: (a) 2,000 sequential echoes on one connection; (b) 200 connections × 20
echoes, run twice (cold, then warm); (c) 500 sequential connects. msg/s, with p50/p99 in ms.

| target | (a) msg/s (p50/p99) | (b) cold msg/s | (b) warm msg/s (p50/p99) | lost (a / b cold / b warm) | (c) connects/s |
|---|---|---|---|---|---|
${rows.join("\n")}

Ratios, same run:

| | (a) | (b) warm |
|---|---|---|
| local cloud ÷ ceiling | ${ratio(local.a?.msgsPerSec, ceiling.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, ceiling.bWarm?.msgsPerSec)} |
| local cloud ÷ local cloud with \`--iam off\` | ${ratio(local.a?.msgsPerSec, localIamOff.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, localIamOff.bWarm?.msgsPerSec)} |
| local cloud ÷ serverless-offline default | ${ratio(local.a?.msgsPerSec, slsDefault.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, slsDefault.bWarm?.msgsPerSec)} |
| local cloud ÷ serverless-offline --useInProcess | ${ratio(local.a?.msgsPerSec, slsInProcess.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, slsInProcess.bWarm?.msgsPerSec)} |

The local cloud runs each handler in an execution environment of its own, a process, isolated from the gateway; serverless-offline's \`--useInProcess\`
runs handlers in the server's own thread.

${startupSection(results)}
${memorySection(results)}
## Lambda archives

Uncompressed bytes of each function's archive in \`index.ts\`, beside \`CallbackFunction\`'s own packing of the same
handler in the same run (every package in \`dependencies\`, walked transitively). Target: 32 KB or less each.

| function | entries | bytes | CallbackFunction default: entries | bytes |
|---|---|---|---|---|
${archives.map((a) => `| ${a.name} | ${a.entries} | ${n(a.bytes)} | ${n(defaults.get(a.name)?.entries)} | ${n(defaults.get(a.name)?.bytes)} |`).join("\n")}

## Tests

\`npm test\` wall time: ${npmTest} (target: under 2 minutes).

${fanoutSection(results.fanout, results.machine.cpus)}
${channelSection(results.channels)}`;
}

function channelSection(channels: Results["channels"]): string {
    if (!channels) return "## Channels\n\nNot run.\n";
    if (channels.error) return `## Channels\n\nFailed: ${channels.error}\n`;
    const row = (label: string, run: ChannelRun) =>
        `| ${label} | ${n(run.clients)} | ${n(run.ms, 1)} | ${run.samples.map((ms) => n(ms, 1)).join(", ")} | ${run.missing} | ${run.duplicates} | ${run.strays} |`;
    return `## Channels

${n(channels.connections)} connections on one BroadcastWebSocket. First every one hears the event (no subscriptions:
\`unsubscribed: "all"\`, a broadcast); then ${channels.subscribers} subscribe to one channel and the rest to 100 others,
and the event is for that channel. Time from the put to the last expected client's message, median of the runs,
in one run of the local cloud. Target: the channel at least 20× faster, and no message to a client subscribed to
no matching channel.

| event for | expected clients | ms (median) | runs | missing | duplicates | to others |
|---|---|---|---|---|---|---|
${row("everyone (broadcast)", channels.broadcast)}
${row("one channel", channels.channel)}

The channel's event reached its subscribers **${channels.speedup ?? "–"}×** faster than the broadcast reached everyone.
`;
}

const VARIANTS: [Variant, string][] = [
    ["ceiling", "ceiling (gateway writes directly)"],
    ["rawHttp", "raw HTTP limit"],
    ["sdkBound", "SDK-bound limit"],
    ["ours", "ours, K = 1"],
    ["oursIamOff", "ours, K = 1, IAM off"],
    ["oursK2", "ours, K = 2"],
    ["naive", "naive"],
];

/** A Lambda function's share of a vCPU at the fan-out's default 1,024 MB: one vCPU at 1,769 MB, in proportion. */
const LAMBDA_VCPU_AT_1024 = 1024 / 1769;

/** AWS's list prices, US East (N. Virginia), read from the pages cited in the report. */
const PRICES = {
    lambdaPage: "https://aws.amazon.com/lambda/pricing/",
    /** Arm, the architecture the components deploy by default (components/defaults.ts). */
    lambdaGbSecondArm: 0.0000133334,
    lambdaGbSecondX86: 0.0000166667,
    lambdaRequestPerMillion: 0.2,
    apiGatewayPage: "https://aws.amazon.com/api-gateway/pricing/",
    websocketMessagePerMillion: 1.0,
};

const QUOTAS = {
    apiGateway: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    websocket: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html",
    lambda: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    scaling: "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
    memory: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
    invoke: "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html",
};

function cell(run: FanoutRun | undefined): string {
    if (!run) return "–";
    if (run.skipped) return "skipped";
    const exact = run.received === run.clients && run.duplicates === 0;
    return `${n(run.ms, run.ms !== undefined && run.ms < 100 ? 1 : 0)}${exact ? "" : ` (**${run.received}/${run.clients}, ${run.duplicates} dup.**)`}`;
}

function fanoutSection(fanout: Results["fanout"], machineCores: number): string {
    if (!fanout) return "## Fan-out\n\nNot run.\n";
    if (fanout.error) return `## Fan-out\n\nFailed: ${fanout.error}\n`;
    const sizes = Object.keys(fanout.runs)
        .map(Number)
        .sort((a, b) => a - b);
    const run = (size: number, latency: number, variant: Variant) => fanout.runs[size]?.[latency]?.[variant];
    const ms = (size: number, latency: number, variant: Variant) => run(size, latency, variant)?.ms;
    const table = (latency: number) =>
        [
            `| N | ${VARIANTS.map(([, label]) => label).join(" | ")} |`,
            `|---|${VARIANTS.map(() => "---").join("|")}|`,
            ...sizes.map((size) => `| ${n(size)} | ${VARIANTS.map(([variant]) => cell(run(size, latency, variant))).join(" | ")} |`),
        ].join("\n");
    const all = sizes.flatMap((size) =>
        [0, 10].flatMap((latency) =>
            VARIANTS.map(([variant]) => run(size, latency, variant)).filter((r): r is FanoutRun => !!r && !r.skipped),
        ),
    );
    const exactlyOnce = all.every((r) => r.received === r.clients && r.duplicates === 0);
    const largest = sizes[sizes.length - 1];
    const cores = (size: number, latency: number, variant: Variant) => {
        const r = run(size, latency, variant);
        if (!r?.ms || r.cloudCpuMs === undefined) return "–";
        return `${(r.cloudCpuMs / r.ms).toFixed(2)} + ${((r.environmentsCpuMs ?? 0) / r.ms).toFixed(2)}`;
    };
    const oursRate = (latency: number) => {
        const t = ms(largest, latency, "ours");
        return t ? (largest / t) * 1000 : undefined;
    };
    const rate0 = oursRate(0);
    const rate10 = oursRate(10);
    const sdkTime = ms(largest, 0, "sdkBound");
    const sdkRate = sdkTime ? (largest / sdkTime) * 1000 : undefined;
    // The worker's own CPU per delivery, where measured: here it shares the cores with the gateway, DynamoDB and S3.
    const worker = run(largest, 0, "ours");
    const cpuRate = worker?.environmentsCpuMs ? (largest / worker.environmentsCpuMs) * 1000 : rate0;
    const awsRate = cpuRate === undefined ? NaN : Math.min(cpuRate * LAMBDA_VCPU_AT_1024, fanout.concurrency / 0.01);
    const segmentsFor = (connections: number) => Math.ceil(connections / (awsRate * 2));
    const quotaWorkers = Math.floor(10_000 / awsRate);
    const workerSecondsPerMillion = 1_000_000 / awsRate;
    const lambdaCostPerMillion = workerSecondsPerMillion * PRICES.lambdaGbSecondArm; // 1,024 MB is 1 GB
    const rows: TargetRow[] = [
        [
            `ours K = 1 with IAM ÷ without, 0 ms, N = ${n(largest)}`,
            "≤ 1.05×",
            quotient(ms(largest, 0, "ours"), ms(largest, 0, "oursIamOff")),
            (v) => v <= 1.05,
        ],
        [
            `N IAM checks, timed alone, ÷ ours K = 1, 0 ms, N = ${n(largest)}`,
            "≤ 5 %",
            percent(
                quotient(
                    fanout.iamCheckMicros === undefined ? undefined : (largest * fanout.iamCheckMicros) / 1000,
                    ms(largest, 0, "ours"),
                ),
            ),
            (v) => v <= 5,
            "%",
        ],
        ["naive ÷ ours K = 1, 10 ms, N = 1,000", "≥ 20×", quotient(ms(1000, 10, "naive"), ms(1000, 10, "ours")), (v) => v >= 20],
    ];
    return `## Fan-out

N clients connected to a BroadcastWebSocket on the local cloud (clients in a process of their own); one object put;
milliseconds from the put to the last client's message. Each variant posts the same N messages at concurrency
${fanout.concurrency}: the **ceiling** is the gateway writing the frame to the N sockets itself; the **raw HTTP limit** is N
unsigned POSTs to \`@connections\` and the **SDK-bound limit** N \`PostToConnection\` calls, each from a bare loop in a
worker thread (no scan, no bookkeeping); **ours** is the S3-triggered fan-out as deployed (K = 2: \`fanout.segments: 2\`,
two worker invocations; **IAM off**: the same with the functions' calls not checked against their roles, which
they are by default); **naive** scans every id, then awaits each post in turn. Every function and loop is warmed on
1,000 clients first (V8 optimises the SDK only after a few thousand calls). Each figure is the median of three runs
(one in quick mode), the variants interleaved; all samples are in \`BENCHMARKS.json\`. The latency model delays every
\`@connections\` and DynamoDB answer (\`npm start -- --latency 10\`).

IAM: each post of the fan-out is checked against its role; one check, timed alone, takes ${fanout.iamCheckMicros ?? "–"} µs.

Every client received exactly one message in every run (the cells show the worst run otherwise): ${exactlyOnce ? "**yes**" : "**no** (see the bold cells)"}.

Latency off:

${table(0)}

Latency 10 ms:

${table(10)}

The fan-out's targets against the SDK, raw HTTP and K = 2 are in [Targets](#targets); the others:

${targetTable(rows)}

CPU busy during the N = ${n(largest)} runs, in cores (CPU time ÷ wall time; the machine has ${machineCores}), the local cloud's
process (gateway, DynamoDB, S3, and the limits' loops) + the Lambda environments' processes: SDK-bound ${cores(largest, 0, "sdkBound")},
ours K = 1 ${cores(largest, 0, "ours")}, ours K = 2 ${cores(largest, 0, "oursK2")} (latency off); ours K = 1 ${cores(largest, 10, "ours")},
ours K = 2 ${cores(largest, 10, "oursK2")} (10 ms). The clients' process used ${n(run(largest, 0, "oursK2")?.clientsCpuMs)} ms of CPU in the K = 2 run.

Memory per open connection: see [Memory](#memory).

### A model for AWS

Estimates from the figures above and AWS's documented quotas, not measurements on AWS.

- **Deliveries per second per worker, measured here:** ${n(rate0)} with latency off, ${n(rate10)} at 10 ms (N = ${n(largest)},
  one invocation, concurrency ${fanout.concurrency}). A worker is bound by its CPU per post (signing and sending; the SDK's
  middleware is no longer on the path: the SDK-bound loop delivers ${n(sdkRate)} a second) and by concurrency ÷ latency
  (${fanout.concurrency} ÷ 10 ms = 5,000/s). The worker's own process used ${n(worker?.environmentsCpuMs)} ms of CPU for the ${n(largest)} posts: ${n(cpuRate)}
  deliveries per CPU-second. On AWS a function gets CPU in proportion to its memory, one vCPU at 1,769 MB
  ([Lambda memory](${QUOTAS.memory})); the fan-out's default 1,024 MB is about ${LAMBDA_VCPU_AT_1024.toFixed(2)} vCPU, so expect about
  **${n(awsRate)} deliveries per second per worker at 1,024 MB** (deliveries per CPU-second × ${LAMBDA_VCPU_AT_1024.toFixed(2)}, at most the
  5,000/s that 10 ms of latency allows), fewer if one core here is faster than a Lambda vCPU.
- **Segments for a broadcast within 2 s:** K = ⌈N ÷ (rate × 2 s)⌉: **${n(segmentsFor(100_000))} for 100,000 connections** and
  **${n(segmentsFor(1_000_000))} for 1,000,000**. \`segmentAbove\` keeps small broadcasts to one invocation.
- **Where API Gateway's quota binds first:** every \`@connections\` call counts against the account's throttle of 10,000
  requests per second per Region (burst 5,000), shared with the account's other APIs ([API Gateway quotas](${QUOTAS.apiGateway})).
  So K × rate ≤ 10,000/s: past ${n(quotaWorkers)} workers more K only produces 429s, which our retries back off from. At the
  default quota 100,000 connections take at least ${n((100_000 - 5_000) / 10_000, 1)} s and 1,000,000 at least ${n((1_000_000 - 5_000) / 10_000, 0)} s whatever K is:
  delivering them within 2 s needs the quota raised to about 50,000 and 500,000 requests per second (the 5,000 burst aside). New connections are
  limited to 500 per second per account and a connection lives at most 2 hours ([WebSocket quotas](${QUOTAS.websocket})),
  so a Region holds at most about 3.6 million connections.
- **What a million deliveries cost:** ${n(workerSecondsPerMillion)} worker-seconds at 1,024 MB, that many GB-seconds at
  $${PRICES.lambdaGbSecondArm} per GB-second (Arm, the components' default; x86 is $${PRICES.lambdaGbSecondX86}; US East,
  [Lambda pricing](${PRICES.lambdaPage})): **$${lambdaCostPerMillion.toFixed(4)} of Lambda per million deliveries**, plus $${PRICES.lambdaRequestPerMillion.toFixed(2)} per million invocations (one per segment and broadcast, negligible). API
  Gateway charges each delivered message as a WebSocket message, $${PRICES.websocketMessagePerMillion.toFixed(2)} per million (the first billion a month, metered in 32 KB
  increments, [API Gateway pricing](${PRICES.apiGatewayPage})), ${n(PRICES.websocketMessagePerMillion / lambdaCostPerMillion, 0)}× the Lambda cost.
- **Where Lambda's quotas bind:** K workers are K concurrent executions out of the Region's default 1,000
  ([Lambda quotas](${QUOTAS.lambda})), and a function scales by 1,000 execution environments every 10 seconds
  ([scaling](${QUOTAS.scaling})): K ≤ 1,000 (the component's bound) starts at once. A worker must finish its share within
  the 900-second timeout: N ÷ K ≤ 900 × rate. Each worker event carries one message of at most 128 KB, under the
  1 MB asynchronous payload limit ([Invoke](${QUOTAS.invoke})).
`;
}
