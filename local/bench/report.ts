import type { ArchiveFigure } from "./archives";

type Phase = { msgsPerSec?: number; connectsPerSecWall?: number; rttMs?: { p50: number; p99: number }; openMs?: { p50: number; p99: number }; failedOrLost?: number; fail?: number; ok?: number; expected?: number; sent?: number };
type Echo = { a?: Phase; b?: Phase[]; c?: Phase } & Record<string, unknown>;
type Target = { echo?: Echo; startupMedianMs?: number; startupMs?: number[]; rssKbAfterEcho?: number; error?: string };

interface Results {
    machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; platform: string };
    date: string;
    quick: boolean;
    ceiling?: Target;
    localCloud?: Target;
    serverlessOffline?: { default?: Target; inProcess?: Target; error?: string };
    archives?: { ours: ArchiveFigure[]; callbackFunctionDefault: ArchiveFigure[] } & { error?: string };
    npmTestMs?: number | { error: string };
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

const n = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? "–" : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "–" : `${(a / b).toFixed(2)}×`);
const lost = (phase: Phase | undefined) => (phase === undefined ? "–" : String(phase.failedOrLost ?? phase.fail ?? (phase.expected !== undefined && phase.ok !== undefined ? phase.expected - phase.ok : "–")));

export function benchmarkReport(results: Results, argv: string[]): string {
    const targets: [string, Target | undefined][] = [
        ["bare ws echo (ceiling)", results.ceiling],
        ["local cloud (`npm start`)", results.localCloud],
        ["serverless-offline 14.8.2, default", results.serverlessOffline?.default],
        ["serverless-offline 14.8.2, --useInProcess", results.serverlessOffline?.inProcess],
    ];
    const rows = targets.map(([name, target]) => {
        if (!target || target.error) return `| ${name} | ${target?.error ? `failed: ${target.error}` : "not run"} | | | | |`;
        const p = phases(target.echo);
        return `| ${name} | ${n(p.a?.msgsPerSec)} (${n(p.a?.rttMs?.p50, 2)}/${n(p.a?.rttMs?.p99, 2)}) | ${n(p.bCold?.msgsPerSec)} | ${n(p.bWarm?.msgsPerSec)} (${n(p.bWarm?.rttMs?.p50, 1)}/${n(p.bWarm?.rttMs?.p99, 1)}) | ${lost(p.a)} / ${lost(p.bCold)} / ${lost(p.bWarm)} | ${n(p.c?.connectsPerSecWall)} |`;
    });
    const local = phases(results.localCloud?.echo);
    const ceiling = phases(results.ceiling?.echo);
    const slsDefault = phases(results.serverlessOffline?.default?.echo);
    const slsInProcess = phases(results.serverlessOffline?.inProcess?.echo);
    const archives = results.archives?.ours ?? [];
    const defaults = new Map((results.archives?.callbackFunctionDefault ?? []).map((a) => [a.name, a]));
    const npmTest = typeof results.npmTestMs === "number" ? `${(results.npmTestMs / 1000).toFixed(0)} s` : results.npmTestMs ? `failed: ${results.npmTestMs.error}` : "not run";
    return `# Benchmarks

Written by \`npm run bench${argv.length ? " -- " + argv.join(" ") : ""}\` on ${results.date.slice(0, 10)}, on one ${results.machine.cpus}-core machine (${results.machine.cpuModel ?? "unknown CPU"}, ${results.machine.memoryGiB} GiB, Node.js ${results.machine.node}).
Every ratio compares figures from this one run; the machine is shared and noisy, so re-run before comparing across runs.
Raw figures: \`BENCHMARKS.json\`.${results.quick ? " **Quick mode: reduced counts, a smoke run, not for comparison.**" : ""}

## Echo round trips

\`../shared/peers/bench.mjs <url> --phases abbc\`: (a) 2,000 sequential echoes on one connection; (b) 200 connections × 20
echoes, run twice (cold, then warm); (c) 500 sequential connects. msg/s, with p50/p99 in ms.

| target | (a) msg/s (p50/p99) | (b) cold msg/s | (b) warm msg/s (p50/p99) | lost (a / b cold / b warm) | (c) connects/s |
|---|---|---|---|---|---|
${rows.join("\n")}

Ratios, same run:

| | (a) | (b) warm |
|---|---|---|
| local cloud ÷ ceiling | ${ratio(local.a?.msgsPerSec, ceiling.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, ceiling.bWarm?.msgsPerSec)} |
| local cloud ÷ serverless-offline default | ${ratio(local.a?.msgsPerSec, slsDefault.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, slsDefault.bWarm?.msgsPerSec)} |
| local cloud ÷ serverless-offline --useInProcess | ${ratio(local.a?.msgsPerSec, slsInProcess.a?.msgsPerSec)} | ${ratio(local.bWarm?.msgsPerSec, slsInProcess.bWarm?.msgsPerSec)} |

The local cloud runs each handler in worker threads, isolated from the gateway; serverless-offline's \`--useInProcess\`
runs handlers in the server's own thread. Local cloud resident memory after the echo run:
${n((results.localCloud?.rssKbAfterEcho ?? NaN) / 1024)} MB.

## Start-up

Median of ${results.localCloud?.startupMs?.length ?? 0} starts, from launching the process to ready (outputs printed, ports open).

| target | median | all runs (ms) |
|---|---|---|
| local cloud (\`local/start.ts --quiet\`) | ${n(results.localCloud?.startupMedianMs)} ms | ${(results.localCloud?.startupMs ?? []).join(", ")} |
| serverless-offline default (to "listening") | ${n(results.serverlessOffline?.default?.startupMedianMs)} ms | ${(results.serverlessOffline?.default?.startupMs ?? []).join(", ")} |
| serverless-offline --useInProcess | ${n(results.serverlessOffline?.inProcess?.startupMedianMs)} ms | ${(results.serverlessOffline?.inProcess?.startupMs ?? []).join(", ")} |

## Lambda archives

Uncompressed bytes of each function's archive in \`index.ts\`, beside \`CallbackFunction\`'s own packing of the same
handler in the same run (every package in \`dependencies\`, walked transitively). Target: 16 KB or less each.

| function | entries | bytes | CallbackFunction default: entries | bytes |
|---|---|---|---|---|
${archives.map((a) => `| ${a.name} | ${a.entries} | ${n(a.bytes)} | ${n(defaults.get(a.name)?.entries)} | ${n(defaults.get(a.name)?.bytes)} |`).join("\n")}

## Tests

\`npm test\` wall time: ${npmTest} (target: under 2 minutes).

## Not measured yet

The fan-out benchmark (100, 1,000 and 10,000 clients, against a naive fan-out, the SDK-bound and raw-HTTP limits
and the ceiling, with a latency model) and the segmented fan-out across Lambda workers are open work.
`;
}
