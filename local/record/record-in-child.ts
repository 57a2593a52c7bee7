import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedProgram } from "./record-program";
import type { RecordingInputs } from "./recording-cache";

export interface HostedRecording {
    loader: { typescript: { version: string; path: string }; tsNode: { version: string; path: string }; typeChecked: boolean };
    program: RecordedProgram;
}

/** The environment a recording runs in: this process's, with ts-node's type check off when asked. */
export function recordingEnvironment(options: { typeCheck?: boolean }): NodeJS.ProcessEnv {
    const env = { ...process.env };
    if (options.typeCheck === false) env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    return env;
}

/**
 * Records a program folder in a child process, loaded exactly as Pulumi's language host loads it
 * (`pulumi-host.js`): a fresh process per recording, so no module cache or Pulumi state is shared. It reports
 * what the program read too, the recording cache's inputs.
 */
export async function recordInChild(
    programDir: string,
    options: { stack?: string; typeCheck?: boolean; timeoutMs?: number } = {},
): Promise<HostedRecording & { inputs: RecordingInputs }> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sw-record-")), "graph.json");
    const env = recordingEnvironment(options);
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
        return JSON.parse(fs.readFileSync(out, "utf8")) as HostedRecording & { inputs: RecordingInputs };
    } finally {
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
}
