import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export type TypeCheckResult = { ok: true; checked: boolean } | { ok: false; diagnostics: string };

/**
 * Type-checks a program in a child process (`type-check.js`) as `pulumi up` would. `checked: false` when nothing
 * the compiler read has changed since the last passing check.
 */
export function typeCheckInChild(programDir: string, entry: string, timeoutMs = 300_000): Promise<TypeCheckResult> {
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            [path.join(__dirname, "type-check.js"), programDir, entry, typeCheckStampFile(programDir)],
            { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (!err) return resolve({ ok: true, checked: stdout.trim() !== "unchanged" });
                if ((err as { code?: unknown }).code === 1) return resolve({ ok: false, diagnostics: stderr.trimEnd() });
                reject(new Error(stderr.trim() || err.message));
            },
        );
    });
}

/** Where type-check.js is told to keep the stamp of its last passing check. */
export const typeCheckStampFile = (programDir: string) => path.join(programDir, ".local", "typecheck.stamp.json");

/** The file `require(main)` loads under ts-node, as Pulumi runs a program: the file itself, or a folder's index. */
export function entryFile(main: string): string {
    if (fs.existsSync(main) && fs.statSync(main).isFile()) return main;
    const candidates = fs.existsSync(main) ? ["index.ts", "index.js"].map((name) => path.join(main, name)) : [`${main}.ts`, `${main}.js`];
    return candidates.find((file) => fs.existsSync(file)) ?? candidates[0];
}
