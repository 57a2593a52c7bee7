import { expect } from "chai";
import * as path from "node:path";
import type { ResourceGraph } from "../../local/graph/resource-graph";
import { recordGraph } from "../../testing";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Default stack config for in-process tests: what Pulumi.dev.yaml sets. */
export const TEST_CONFIG: Record<string, string> = { "aws:region": "us-east-1", "serverless-websockets:stageName": "dev" };

/** Runs `program` in this process under the AWS mocks, as this project's stack, and returns its graph. */
export function recordInProcess(
    program: () => unknown,
    config: Record<string, string> = TEST_CONFIG,
    stack = "dev",
    timeoutMs = 60_000,
): Promise<ResourceGraph> {
    return recordGraph(program, { project: "serverless-websockets", stack, config, timeoutMs });
}

/** Records `program` in process and expects it to fail with a message matching `pattern`. */
export async function expectRejected(program: () => unknown, pattern: RegExp): Promise<void> {
    const error = await recordInProcess(program).then(
        () => undefined,
        (err: unknown) => err,
    );
    expect(error, "the program should have failed").to.be.instanceOf(Error);
    expect((error as Error).message).to.match(pattern);
}
