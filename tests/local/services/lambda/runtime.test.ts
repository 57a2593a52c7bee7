import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RESOURCE_TYPES } from "../../../../local/record/resource-types";
import type { FunctionSpec } from "../../../../local/graph/specs";
import { inlineFunction } from "../../../support/inline-function";
import { LambdaRuntime, type FailureSink } from "../../../../local/services/lambda/runtime";
import { errorFramePattern, useBehaviourCloud } from "../../../support/local";
import { ROOT } from "../../../support/record";

describe("local Lambda runtime: the behaviour fixture's functions", () => {
    const t = useBehaviourCloud({ limits: { integrationTimeoutMs: 1_500 } });
    const open = t.open;

    it("enforces the function's own timeout: a Lambda timeout is an Internal server error, not an integration timeout", async () => {
        const client = await open();
        // The integration timeout here is 1.5 s: the frame and the log show the function's own 1 s timeout fired.
        expect(await client.ask('{"action":"sleepy"}', 3_000)).to.match(errorFramePattern("Internal server error"));
        expect(t.logs.join("\n")).to.match(/Sandbox\.Timedout: RequestId: \S+ Error: Task timed out after 1\.00 seconds/);
        await client.close();
    });

    it("runs functions built any way: an ES module file, a CommonJS folder, an ES module by package.json, each with the runtime's SDK", async () => {
        const client = await open();
        const esm = JSON.parse(await client.ask('{"action":"esm-file"}')) as Record<string, unknown>;
        expect(esm).to.include({
            kind: "esm-file",
            sdk: "function",
            region: "eu-central-1",
            memory: "512",
            routeKey: "esm-file",
            dynamodbEndpoint: t.cloud.dynamodbEndpoint,
        });
        expect(esm.functionName).to.match(/^esm-file-[0-9a-f]{7}$/);
        expect(esm.requestId).to.match(/^[0-9a-f-]{36}$/);
        expect(esm.remaining).to.be.a("number").within(1, 3_000);
        expect(JSON.parse(await client.ask('{"action":"cjs-folder"}'))).to.deep.include({ kind: "cjs", sdk: "function" });
        expect(JSON.parse(await client.ask('{"action":"esm-package"}'))).to.deep.equal({ kind: "esm-package", sdk: "function" });
        await client.close();
    });

    it("retries a failed asynchronous invocation twice, as Lambda does, and logs each outcome", async () => {
        const boom = t.cloud.program.resources.find((r) => r.type === RESOURCE_TYPES.function && r.name === "edge-boom")!;
        t.cloud.lambda.invokeAsync(String(boom.state.arn), {}, "test event");
        await t.cloud.lambda.settle();
        const lines = t.logs.filter((line) => line.includes(" test event → "));
        expect(lines.map((line) => /\(attempt (\d) of 3\)|failed after 3 attempts/.exec(line)?.[0])).to.deep.equal([
            "(attempt 1 of 3)",
            "(attempt 2 of 3)",
            "(attempt 3 of 3)",
            "failed after 3 attempts",
        ]);
    });
});

describe("local Lambda runtime: asynchronous retries (B28, B29)", () => {
    const failing = 'exports.handler = async () => { throw new Error("always"); };';
    let runtimeDir: string;
    let logs: string[];
    let runtime: LambdaRuntime;
    const start = (functions: FunctionSpec[], asyncRetryDelaysMs = [10, 20], failureSink?: FailureSink) => {
        runtime = new LambdaRuntime(functions, {
            failureSink,
            programDir: ROOT,
            runtimeDir,
            region: "us-east-1",
            localVariables: {},
            interceptHosts: {},
            maxConcurrency: 1,
            asyncRetryDelaysMs,
            log: (line) => logs.push(line),
        });
        return runtime;
    };
    const outcomes = (source: string) =>
        logs
            .filter((line) => line.includes(` ${source} → `))
            .map((line) => /\(attempt \d of \d\)|failed after \d attempts?|abandoned[^:]*/.exec(line)?.[0]);

    beforeEach(() => {
        runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-runtime-"));
        logs = [];
    });
    afterEach(async () => {
        await runtime.stop();
        fs.rmSync(runtimeDir, { recursive: true, force: true });
    });

    for (const retries of [0, 1, 2]) {
        it(`tries ${retries + 1} time(s) when the function's maximumRetryAttempts is ${retries}`, async () => {
            start([inlineFunction("fails", failing, { maximumRetryAttempts: retries })]);
            runtime.invokeAsync("fails", {}, "event");
            await runtime.settle();
            for (const line of logs.filter((l) => !l.startsWith("[fails] ") && !l.startsWith("Lambda: "))) {
                expect(line, "a request-log line").to.match(/^\d\d:\d\d:\d\d\.\d{3} event → fails: /);
            }
            expect(outcomes("event")).to.deep.equal([
                ...Array.from({ length: retries + 1 }, (_, i) => `(attempt ${i + 1} of ${retries + 1})`),
                `failed after ${retries + 1} attempt${retries === 0 ? "" : "s"}`,
            ]);
        });
    }

    it("sends a failed event to its on-failure destination and its dead-letter queue both, as Lambda's records (B44)", async () => {
        const sent: { arn: string; body: string; attributes?: Record<string, { DataType: string; StringValue: string }> }[] = [];
        const fn = inlineFunction("fails", failing, {
            maximumRetryAttempts: 1,
            onFailure: [
                { kind: "destination", arn: "arn:aws:sqs:us-east-1:000000000000:records" },
                { kind: "dead-letter-queue", arn: "arn:aws:sqs:us-east-1:000000000000:dlq" },
            ],
        });
        start([fn], [10], (arn, body, attributes) => (sent.push({ arn, body, attributes }), true));
        runtime.invokeAsync("fails", { order: 7 }, "event");
        await runtime.settle();
        expect(sent.map((s) => s.arn)).to.deep.equal([
            "arn:aws:sqs:us-east-1:000000000000:records",
            "arn:aws:sqs:us-east-1:000000000000:dlq",
        ]);
        const record = JSON.parse(sent[0].body) as Record<string, Record<string, unknown>>;
        expect(record.requestContext).to.deep.include({
            functionArn: `${fn.arn}:$LATEST`,
            condition: "RetriesExhausted",
            approximateInvokeCount: 2,
        });
        expect(record.requestPayload).to.deep.equal({ order: 7 });
        expect(record.responsePayload).to.deep.include({ errorType: "Error", errorMessage: "always" });
        expect(JSON.parse(sent[1].body)).to.deep.equal({ order: 7 });
        expect(sent[1].attributes).to.deep.equal({
            RequestID: { DataType: "String", StringValue: record.requestContext.requestId },
            ErrorCode: { DataType: "Number", StringValue: "200" },
            ErrorMessage: { DataType: "String", StringValue: "always" },
        });
    });

    it("logs a record it could not deliver, and goes on: a queue refusing it never stops the local cloud", async () => {
        const fn = inlineFunction("fails", failing, {
            maximumRetryAttempts: 0,
            onFailure: [{ kind: "destination", arn: "arn:aws:sqs:us-east-1:000000000000:records" }],
        });
        start([fn], [10], () => {
            throw new Error("message of 300000 bytes is over the queue's 262144");
        });
        runtime.invokeAsync("fails", {}, "event");
        await runtime.settle();
        expect(
            logs.some((line) => line.includes("not delivered to its on-failure destination") && line.includes("over the queue's")),
        ).to.equal(true);
        await runtime.stop();
        start([inlineFunction("fails", failing, { maximumRetryAttempts: 0 })]);
        runtime.invokeAsync("fails", {}, "event");
        await runtime.settle();
        expect(logs.some((line) => line.includes("dropped: the function has no failure destination"))).to.equal(true);
    });

    it("abandons retries when it stops, and says so instead of reporting them failed", async () => {
        start([inlineFunction("fails", failing, { maximumRetryAttempts: 2 })], [60_000]);
        runtime.invokeAsync("fails", {}, "event");
        await new Promise((resolve) => setTimeout(resolve, 500));
        await runtime.stop();
        await runtime.settle();
        expect(outcomes("event")).to.deep.equal(["(attempt 1 of 3)", "abandoned before attempt 2"]);
    });
});
