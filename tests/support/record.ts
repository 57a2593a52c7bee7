import { expect } from "chai";
import * as path from "node:path";
import { recordProgram } from "../../local/record/record-program";
import { ResourceGraph } from "../../local/graph/resource-graph";

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
): Promise<ResourceGraph> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`program did not finish registering within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
        return new ResourceGraph(
            await Promise.race([recordProgram({ project: "serverless-websockets", stack, config }, program), timeout]),
        );
    } finally {
        clearTimeout(timer);
    }
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
