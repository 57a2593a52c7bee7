import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { recordProgram, type RecordedProgram } from "../../local/record";
import { Graph } from "./graph";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Default stack config for in-process tests: what Pulumi.dev.yaml sets. */
export const TEST_CONFIG: Record<string, string> = { "aws:region": "us-east-1", "serverless-websockets:stageName": "dev" };

/**
 * Runs `program` in this process under the AWS mocks and returns its graph. A closure that cannot be serialized
 * leaves Pulumi waiting forever, so the wait is bounded and fails with a message instead.
 */
export async function recordInProcess(program: () => unknown, config: Record<string, string> = TEST_CONFIG, stack = "dev", timeoutMs = 60_000): Promise<Graph> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`program did not finish registering within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
        return new Graph(await Promise.race([recordProgram({ project: "serverless-websockets", stack, config }, program), timeout]));
    } finally {
        clearTimeout(timer);
    }
}

export interface HostedRecording {
    loader: { typescript: { version: string; path: string }; tsNode: { version: string; path: string }; typeChecked: boolean };
    program: RecordedProgram;
}

/** Loads a program folder in a child process exactly as Pulumi's language host would (local/pulumi-host.js). */
export async function recordWithPulumiLoader(programDir: string, stack = "dev", timeoutMs = 90_000): Promise<HostedRecording> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sw-record-")), "graph.json");
    try {
        await promisify(execFile)(process.execPath, [path.join(ROOT, "local", "pulumi-host.js"), programDir, "--stack", stack, "--out", out], {
            timeout: timeoutMs,
            maxBuffer: 16 * 1024 * 1024,
        });
        return JSON.parse(fs.readFileSync(out, "utf8")) as HostedRecording;
    } finally {
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
}
