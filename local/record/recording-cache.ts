import * as fs from "node:fs";
import * as path from "node:path";
import type { HostedRecording } from "./record-in-child";

// A start reuses the last recording of the program while nothing it depended on has changed: every file the
// recording required or read (and every path it found missing), every environment variable it read, the stack's
// settings and the lock file (program-inputs.js gathers them in the recording's process). Any change records the
// program again, so the cache can be stale only through what no Node hook sees (a native tool other than esbuild
// reading files, the clock, randomness); `--no-cache` records regardless.

/** What the recording child reports besides the recording: the inputs it read. */
export interface RecordingInputs {
    files: string[];
    /** Variables read, with the value each had (`null`: unset). */
    env: Record<string, string | null>;
    /** The variables' names, if the program listed them (`Object.keys(process.env)`), as it saw them. */
    envNames?: string[];
}

interface FileStamps {
    dependencyFiles(programDir: string): string[];
    stampsOf(files: string[], sinceMs?: number): unknown[] | undefined;
    stampsHold(stamps: unknown): boolean;
}
// Plain JavaScript, shared with the child processes, which run before any TypeScript loader.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dependencyFiles, stampsOf, stampsHold } = require("./file-stamps.js") as FileStamps;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { environmentNames } = require("./program-inputs.js") as { environmentNames(env: NodeJS.ProcessEnv): string[] };

interface CacheFile {
    key: string;
    stamps: unknown[];
    env: Record<string, string | null>;
    envNames?: string[];
    recording: HostedRecording;
}

/** Bump when the recording's format or what it depends on changes. */
const CACHE_VERSION = 2;

export const cacheFileOf = (programDir: string, stack: string) =>
    path.join(programDir, ".local", `recording.${stack.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);

const keyOf = (programDir: string, stack: string) =>
    JSON.stringify({ version: CACHE_VERSION, programDir: path.resolve(programDir), stack, node: process.version });

/** The files a recording depends on even when it did not read them: the stack's settings and the installed packages'. */
function alwaysStamped(programDir: string, stack: string): string[] {
    return [path.join(programDir, "Pulumi.yaml"), path.join(programDir, `Pulumi.${stack}.yaml`), ...dependencyFiles(programDir)];
}

/** The last recording, if every input it read is unchanged in `env`; otherwise undefined. */
export function cachedRecording(programDir: string, stack: string, env: NodeJS.ProcessEnv): HostedRecording | undefined {
    let cache: CacheFile;
    try {
        cache = JSON.parse(fs.readFileSync(cacheFileOf(programDir, stack), "utf8")) as CacheFile;
    } catch {
        return undefined;
    }
    if (cache.key !== keyOf(programDir, stack)) return undefined;
    for (const [name, value] of Object.entries(cache.env ?? {})) if ((env[name] ?? null) !== value) return undefined;
    if (cache.envNames && cache.envNames.join("\n") !== environmentNames(env).join("\n")) return undefined;
    try {
        return stampsHold(cache.stamps) ? cache.recording : undefined;
    } catch {
        return undefined; // an input that can no longer be read is a reason to record again, not to fail the start
    }
}

/**
 * Makes the cache's folder before a recording starts: made after, it would change the program folder the recording
 * may have listed, and so the stamp of it.
 */
export function prepareRecordingCache(programDir: string, stack: string): void {
    try {
        fs.mkdirSync(path.dirname(cacheFileOf(programDir, stack)), { recursive: true });
    } catch {
        // Not writable: saveRecording keeps nothing.
    }
}

/** Keeps a recording with the stamps of its inputs (written whole, then renamed, so a reader never sees half). */
export function saveRecording(
    programDir: string,
    stack: string,
    recording: HostedRecording,
    inputs: RecordingInputs,
    startedAt: number,
): void {
    const file = cacheFileOf(programDir, stack);
    try {
        // Stamped after the recording, so an input that changed since it started is not stamped at all.
        const stamps = stampsOf([...alwaysStamped(programDir, stack), ...inputs.files], startedAt);
        if (!stamps) return forgetRecording(programDir, stack);
        const cache: CacheFile = { key: keyOf(programDir, stack), stamps, env: inputs.env, envNames: inputs.envNames, recording };
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const partial = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(partial, JSON.stringify(cache));
        fs.renameSync(partial, file);
    } catch {
        // A folder it cannot write, or an input it cannot read: this start is served all the same, uncached.
        try {
            fs.rmSync(file, { force: true });
        } catch {
            // Not writable either: no recording was kept there to go stale.
        }
    }
}

/** Forgets the recording (a start that failed after it, or `--no-cache`). */
export function forgetRecording(programDir: string, stack: string): void {
    fs.rmSync(cacheFileOf(programDir, stack), { force: true });
}
