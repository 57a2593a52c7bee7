import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedProgram } from "./record-program";

export interface HostedRecording {
    loader: { typescript: { version: string; path: string }; tsNode: { version: string; path: string }; typeChecked: boolean };
    program: RecordedProgram;
}

/**
 * Records a program folder in a child process, loaded exactly as Pulumi's language host loads it
 * (`pulumi-host.js`): a fresh process per recording, so no module cache or Pulumi state is shared.
 */
export async function recordInChild(
    programDir: string,
    options: { stack?: string; typeCheck?: boolean; timeoutMs?: number } = {},
): Promise<HostedRecording> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sw-record-")), "graph.json");
    const env = { ...process.env };
    if (options.typeCheck === false) env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    try {
        await new Promise<void>((resolve, reject) => {
            execFile(
                process.execPath,
                [path.join(__dirname, "pulumi-host.js"), programDir, "--stack", options.stack ?? "dev", "--out", out],
                { env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
                (err, _stdout, stderr) =>
                    err ? reject(new Error(`could not run the program in ${programDir}:\n${stderr.trim() || err.message}`)) : resolve(),
            );
        });
        return JSON.parse(fs.readFileSync(out, "utf8")) as HostedRecording;
    } finally {
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
}
