// Start-up: warm (nothing changed since the last start: the type check's stamp and the recording are reused), cold
// (as after an edit to the program: both redone, TypeScript's incremental build info kept), and what a cold start's
// two halves take alone: the type check and the recording.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cacheFileOf } from "../local/record/recording-cache";
import { entryFile, typeCheckStampFile } from "../local/record/type-check-in-child";
import { readStackSettings } from "../local/record/stack-settings";
import { run, stopProcess, type startProcess } from "./processes";

export interface StartupFigures {
    warmMs: number[];
    /** What the last warm start said it reused, from its ready line. */
    warmNote: string;
    coldMs: number[];
    coldNote: string;
    /** The type check alone, with its stamp gone. */
    typeCheckColdMs: number[];
    /** The recording alone (the program run under mocks, not type-checked). */
    recordingColdMs: number[];
}

type Launch = () => ReturnType<typeof startProcess>;

const RECORD_HOST = path.join(__dirname, "..", "local", "record", "pulumi-host.js");
const TYPE_CHECK = path.join(__dirname, "..", "local", "record", "type-check.js");

/** What an edit to the program invalidates: the type check's stamp and the recording. */
function forgetStartCaches(programDir: string): void {
    fs.rmSync(typeCheckStampFile(programDir), { force: true });
    fs.rmSync(cacheFileOf(programDir, "dev"), { force: true });
}

/**
 * Separate launches, each stopped before the next, `before` run ahead of each: their times to ready, and what the
 * last one's ready line said it reused.
 */
export async function starts(launch: Launch, count: number, before: () => void = () => undefined): Promise<{ ms: number[]; note: string }> {
    const ms: number[] = [];
    let note = "";
    for (let i = 0; i < count; i++) {
        before();
        const server = await launch();
        ms.push(server.readyMs);
        note = /Ready in [\d.]+ s \(([^)]*)\)/.exec(server.output())?.[1] ?? "";
        await stopProcess(server.child);
    }
    return { ms, note };
}

async function timed(count: number, before: () => void, work: () => Promise<unknown>): Promise<number[]> {
    const ms: number[] = [];
    for (let i = 0; i < count; i++) {
        before();
        const started = Date.now();
        await work();
        ms.push(Date.now() - started);
    }
    return ms;
}

export async function startupFigures(programDir: string, launch: Launch, quick: boolean): Promise<StartupFigures> {
    const count = quick ? 2 : 5;
    const nothing = () => undefined;
    // One start first, so that the warm starts find valid caches whatever ran before.
    await starts(launch, 1, nothing);
    const warm = await starts(launch, count, nothing);
    const cold = await starts(launch, count, () => forgetStartCaches(programDir));
    const entry = entryFile(readStackSettings(programDir, "dev").main);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sw-bench-record-")), "graph.json");
    const alone = quick ? 1 : 3;
    const typeCheckColdMs = await timed(
        alone,
        () => fs.rmSync(typeCheckStampFile(programDir), { force: true }),
        () => run(process.execPath, [TYPE_CHECK, programDir, entry, typeCheckStampFile(programDir)], { maxBuffer: 16 * 1024 * 1024 }),
    );
    const recordingColdMs = await timed(alone, nothing, () =>
        run(process.execPath, [RECORD_HOST, programDir, "--stack", "dev", "--out", out], {
            env: { ...process.env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
            maxBuffer: 16 * 1024 * 1024,
        }),
    );
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    // Leave valid caches behind for the steps after this one.
    await starts(launch, 1, nothing);
    return { warmMs: warm.ms, warmNote: warm.note, coldMs: cold.ms, coldNote: cold.note, typeCheckColdMs, recordingColdMs };
}
