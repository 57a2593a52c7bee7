import { expect } from "chai";
import { benchmarkReport } from "../../bench/report";

type Results = Parameters<typeof benchmarkReport>[0];

const MACHINE = { cpus: 2, memoryGiB: 24, node: "v20", platform: "Linux" };
const echo = (a: number, bWarm: number) => ({ a: { msgsPerSec: a }, b: [{ msgsPerSec: bWarm }, { msgsPerSec: bWarm }] });
const fanoutRun = (ms: number) => ({ ms, clients: 10_000, received: 10_000, duplicates: 0, missing: 0 });

/** A run's results, every figure chosen so that each target's verdict is known. */
function results(overrides: { warmMs?: number[]; oursMs?: number } = {}): Results {
    return {
        machine: MACHINE,
        date: "2026-12-02T00:00:00.000Z",
        quick: false,
        ceiling: { echo: echo(5_000, 20_000) },
        localCloud: {
            echo: echo(2_400, 12_000),
            startup: {
                warmMs: overrides.warmMs ?? [700, 600, 650],
                warmNote: "type check unchanged, recording reused",
                coldMs: [4_000, 4_200, 3_900],
                coldNote: "type-checked, recorded",
                typeCheckColdMs: [3_000],
                recordingColdMs: [2_000],
            },
            memory: {
                connections: 1_000,
                atRestKb: 100 * 1024,
                withConnectionsKb: 300 * 1024,
                afterCloseKb: 350 * 1024,
                processes: { atRest: 1, withConnections: 4, afterClose: 6 },
            },
        },
        serverlessOffline: {
            default: { startupMedianMs: 1_200, startupMs: [1_200], echo: echo(1_000, 1_500) },
            inProcess: { startupMedianMs: 1_100, startupMs: [1_100], echo: echo(2_500, 6_000) },
        },
        fanout: {
            concurrency: 50,
            runs: {
                10000: {
                    0: {
                        rawHttp: fanoutRun(1_000),
                        sdkBound: fanoutRun(5_000),
                        ours: { ...fanoutRun(overrides.oursMs ?? 2_000), environmentsCpuMs: 1_000 },
                        oursK2: fanoutRun(1_600),
                    },
                    10: { ours: fanoutRun(3_000), oursK2: fanoutRun(1_800) },
                },
            },
            memoryPerConnection: { 10000: { heapBytes: 4_200, externalBytes: 1_300, rssBytes: 2_000 } },
        },
    };
}

/** The Targets table's rows, by label: measured value and verdict. */
function targets(report: string): Map<string, { measured: string; verdict: string }> {
    const section = report.split("## Targets")[1].split("\n## ")[0];
    const rows = new Map<string, { measured: string; verdict: string }>();
    for (const line of section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| target"))) {
        const [label, , measured, verdict] = line
            .split("|")
            .slice(1, -1)
            .map((cell) => cell.trim());
        rows.set(label, { measured, verdict });
    }
    return rows;
}

describe("the benchmark report", () => {
    it("judges each performance target from the run's own figures", () => {
        const rows = targets(benchmarkReport(results(), []));
        const expected: [string, string, "met" | "**not met**"][] = [
            ["warm start ÷ serverless-offline's start", "0.54×", "met"],
            ["cold start (after an edit), type check on", "4,000 ms", "**not met**"],
            ["process tree at rest, 5 s after ready", "100.0 MB", "met"],
            ["JavaScript heap per open connection, N = 10,000 (external memory apart: see Memory)", "4,200 B", "met"],
            ["SDK-bound ÷ ours K = 1, 0 ms, N = 10,000", "2.50×", "met"],
            ["ours K = 1 ÷ raw HTTP, 0 ms, N = 10,000", "2.00×", "met"],
            ["ours K = 1 ÷ ours K = 2, 0 ms, N = 10,000", "1.25×", "**not met**"],
            ["ours K = 1 ÷ ours K = 2, 10 ms, N = 10,000", "1.67×", "met"],
            ["echo (a) sequential ÷ serverless-offline default", "2.40×", "met"],
            ["echo (a) sequential ÷ serverless-offline --useInProcess", "0.96×", "**not met**"],
            ["echo (b) burst, warm ÷ the bare ws ceiling", "0.60×", "met"],
        ];
        expect([...rows.keys()]).to.deep.equal(expected.map(([label]) => label));
        for (const [label, measured, verdict] of expected) expect(rows.get(label), label).to.deep.equal({ measured, verdict });
    });

    it("turns a verdict when its figure crosses the target", () => {
        const rows = targets(benchmarkReport(results({ warmMs: [1_300, 1_400, 1_250], oursMs: 2_600 }), []));
        expect(rows.get("warm start ÷ serverless-offline's start")?.verdict).to.equal("**not met**");
        expect(rows.get("SDK-bound ÷ ours K = 1, 0 ms, N = 10,000")?.verdict).to.equal("**not met**");
        expect(rows.get("ours K = 1 ÷ raw HTTP, 0 ms, N = 10,000")?.verdict).to.equal("**not met**");
    });

    it("shows a target it has no figures for as not measured, not as met", () => {
        const rows = targets(benchmarkReport({ machine: MACHINE, date: "2026-12-02T00:00:00.000Z", quick: true }, ["--quick"]));
        expect(rows.size).to.equal(11);
        for (const [label, row] of rows) expect(row, label).to.deep.equal({ measured: "–", verdict: "–" });
    });

    it("models AWS from the worker's own CPU: per-worker rate at 1,024 MB, segments for 2 s, and the cost of a million", () => {
        const report = benchmarkReport(results(), []);
        // 10,000 posts in 1,000 ms of the worker's CPU is 10,000 per CPU-second; at 1,024 MB (1024 ÷ 1769 of a vCPU)
        // 5,789/s, above the 5,000/s that 50 posts in flight at 10 ms allow: 5,000/s.
        expect(report).to.include("**5,000 deliveries per second per worker at 1,024 MB**");
        expect(report).to.include("**10 for 100,000 connections** and\n  **100 for 1,000,000**");
        // 1,000,000 ÷ 5,000/s = 200 GB-seconds at $0.0000133334 (Arm).
        expect(report).to.match(/\*\*\$0\.0027 of Lambda per million deliveries\*\*/);
    });
});
