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
}

interface FileStamps {
    stampsOf(files: string[]): unknown[];
    stampsHold(stamps: unknown): boolean;
}
// Plain JavaScript, shared with the child processes, which run before any TypeScript loader.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stampsOf, stampsHold } = require("./file-stamps.js") as FileStamps;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packageRoot } = require("./pulumi-typescript.js") as { packageRoot(dir: string): string };

interface CacheFile {
    key: string;
    stamps: unknown[];
    env: Record<string, string | null>;
    recording: HostedRecording;
}

/** Bump when the recording's format or what it depends on changes. */
const CACHE_VERSION = 1;
const LOCK_FILES = ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb"];

export const cacheFileOf = (programDir: string, stack: string) =>
    path.join(programDir, ".local", `recording.${stack.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);

const keyOf = (programDir: string, stack: string) =>
    JSON.stringify({ version: CACHE_VERSION, programDir: path.resolve(programDir), stack, node: process.version });

/** The files a recording depends on even when it did not read them: the stack's settings and the install's lock. */
function alwaysStamped(programDir: string, stack: string): string[] {
    const root = packageRoot(programDir);
    return [
        path.join(programDir, "Pulumi.yaml"),
        path.join(programDir, `Pulumi.${stack}.yaml`),
        path.join(root, "package.json"),
        ...LOCK_FILES.map((name) => path.join(root, name)),
    ];
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
    return stampsHold(cache.stamps) ? cache.recording : undefined;
}

/** Keeps a recording with the stamps of its inputs (written whole, then renamed, so a reader never sees half). */
export function saveRecording(programDir: string, stack: string, recording: HostedRecording, inputs: RecordingInputs): void {
    const file = cacheFileOf(programDir, stack);
    const cache: CacheFile = {
        key: keyOf(programDir, stack),
        stamps: stampsOf([...alwaysStamped(programDir, stack), ...inputs.files]),
        env: inputs.env,
        recording,
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(cache));
    fs.renameSync(partial, file);
}

/** Forgets the recording (a start that failed after it, or `--no-cache`). */
export function forgetRecording(programDir: string, stack: string): void {
    fs.rmSync(cacheFileOf(programDir, stack), { force: true });
}
