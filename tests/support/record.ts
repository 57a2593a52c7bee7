import * as path from "node:path";
import { recordProgram } from "../../local/record/record-program";
import { recordInChild, type HostedRecording } from "../../local/record/record-in-child";
import { Graph } from "./graph";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Default stack config for in-process tests: what Pulumi.dev.yaml sets. */
export const TEST_CONFIG: Record<string, string> = { "aws:region": "us-east-1", "serverless-websockets:stageName": "dev" };

/**
 * Runs `program` in this process under the AWS mocks and returns its graph. A closure that cannot be serialized
 * leaves Pulumi waiting forever, so the wait is bounded and fails with a message instead.
 */
export async function recordInProcess(
    program: () => unknown,
    config: Record<string, string> = TEST_CONFIG,
    stack = "dev",
    timeoutMs = 60_000,
): Promise<Graph> {
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

export type { HostedRecording } from "../../local/record/record-in-child";

/** Loads a program folder in a child process exactly as Pulumi's language host would (local/record/pulumi-host.js). */
export const recordWithPulumiLoader = (programDir: string, stack = "dev"): Promise<HostedRecording> => recordInChild(programDir, { stack });
