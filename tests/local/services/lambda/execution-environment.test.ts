import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FunctionSpec } from "../../../../local/graph/specs";
import { functionCredentials } from "../../../../local/services/credentials";
import type { InvokeOutcome } from "../../../../local/services/lambda/execution-environment";
import { LambdaRuntime } from "../../../../local/services/lambda/runtime";
import { environmentProblem, heapFlags } from "../../../../local/services/lambda/runtime-environment";
import { inlineFunction } from "../../../support/inline-function";
import { ROOT } from "../../../support/record";

/** The value of a successful invocation; a failed one fails the test with its error. */
function valueOf(outcome: InvokeOutcome): unknown {
    if (!outcome.ok) throw new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return outcome.value;
}

function errorOf(outcome: InvokeOutcome): { errorType: string; errorMessage: string } {
    if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
    return outcome.error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local Lambda: execution environments as AWS documents them (B41–B43)", function () {
    this.timeout(60_000);
    let runtimeDir: string;
    let logs: string[];
    let runtime: LambdaRuntime | undefined;
    const start = (functions: FunctionSpec[], maxConcurrency = 2) => {
        runtime = new LambdaRuntime(functions, {
            programDir: ROOT,
            runtimeDir,
            region: "eu-west-1",
            localVariables: { AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1" },
            interceptHosts: {},
            maxConcurrency,
            asyncRetryDelaysMs: [10],
            log: (line) => logs.push(line),
        });
        return runtime;
    };
    const linesOf = (name: string) => logs.filter((line) => line.startsWith(`[${name}] `)).map((line) => line.slice(name.length + 3));

    beforeEach(() => {
        runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-environment-"));
        logs = [];
    });
    afterEach(async () => {
        await runtime?.stop();
        runtime = undefined;
        fs.rmSync(runtimeDir, { recursive: true, force: true });
    });

    it("gives the runtime's variables and nothing of the local cloud's own process", async () => {
        process.env.SW_PARENT_ONLY = "leaks";
        try {
            const lambda = start([
                inlineFunction("env", "exports.handler = async () => ({ env: process.env, now: new Date().getTimezoneOffset() });", {
                    memorySize: 256,
                    environment: { GREETING: "hi", LANG: "C.UTF-8" },
                }),
            ]);
            const first = valueOf(await lambda.invoke("env", {})) as { env: Record<string, string>; now: number };
            const second = valueOf(await lambda.invoke("env", {})) as { env: Record<string, string> };
            const env = first.env;
            expect(env).to.include({
                AWS_REGION: "eu-west-1",
                AWS_DEFAULT_REGION: "eu-west-1",
                AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
                AWS_LAMBDA_FUNCTION_NAME: "env",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
                AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
                AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
                AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/env",
                _HANDLER: "index.handler",
                TZ: ":UTC",
                // The function's own value wins over an unreserved default.
                LANG: "C.UTF-8",
                GREETING: "hi",
                AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
                SHLVL: "0",
                AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1",
            });
            expect(env.LAMBDA_TASK_ROOT).to.equal(path.join(runtimeDir, "env"));
            expect(env.PWD).to.equal(env.LAMBDA_TASK_ROOT);
            expect(env.AWS_LAMBDA_LOG_STREAM_NAME).to.match(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
            expect(env.PATH.split(path.delimiter)).to.include.members(["/usr/local/bin", "/usr/bin/", "/bin", "/opt/bin"]);
            expect(env.NODE_PATH.split(path.delimiter)).to.include(env.LAMBDA_TASK_ROOT);
            // The function's own credentials, which name it to the local services (B42).
            expect(env).to.include({
                AWS_ACCESS_KEY_ID: functionCredentials("env").accessKeyId,
                AWS_SECRET_ACCESS_KEY: functionCredentials("env").secretAccessKey,
                AWS_SESSION_TOKEN: functionCredentials("env").sessionToken,
            });
            expect(env.AWS_ACCESS_KEY_ID).to.match(/^ASIA[0-9A-F]{16}$/);
            expect(functionCredentials("other").accessKeyId).to.not.equal(env.AWS_ACCESS_KEY_ID);
            expect(env._X_AMZN_TRACE_ID).to.match(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
            expect(second.env._X_AMZN_TRACE_ID, "a trace id per invocation").to.not.equal(env._X_AMZN_TRACE_ID);
            expect(env).to.not.have.any.keys("SW_PARENT_ONLY", "AWS_LAMBDA_LOG_FORMAT", "NODE_OPTIONS", "TS_NODE_TRANSPILE_ONLY");
            expect(first.now, "the clock runs in UTC").to.equal(0);
        } finally {
            delete process.env.SW_PARENT_ONLY;
        }
    });

    it("runs in the task root, so a file shipped in the archive reads by its relative path", async () => {
        const lambda = start([
            inlineFunction(
                "files",
                'const fs = require("node:fs"); exports.handler = async () => ({ cwd: process.cwd(), data: fs.readFileSync("data/greeting.txt", "utf8") });',
                { files: { "data/greeting.txt": "shipped" } },
            ),
        ]);
        expect(valueOf(await lambda.invoke("files", {}))).to.deep.equal({ cwd: path.join(runtimeDir, "files"), data: "shipped" });
    });

    it("gives each environment a /tmp of its own that lasts while it is warm and goes with it", async () => {
        const source = `
            const fs = require("node:fs"), os = require("node:os"), path = require("node:path");
            exports.handler = async (event) => {
                const file = path.join(os.tmpdir(), "count");
                const count = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) + 1 : 1;
                fs.writeFileSync(file, String(count));
                if (event.hold) await new Promise((resolve) => setTimeout(resolve, event.hold));
                return { tmp: os.tmpdir(), count };
            };`;
        const lambda = start([inlineFunction("tmp-a", source), inlineFunction("tmp-b", source)]);
        const a1 = valueOf(await lambda.invoke("tmp-a", {})) as { tmp: string; count: number };
        const a2 = valueOf(await lambda.invoke("tmp-a", {})) as { tmp: string; count: number };
        expect([a1.count, a2.count], "a warm environment keeps its files").to.deep.equal([1, 2]);
        expect(a2.tmp).to.equal(a1.tmp);
        const b = valueOf(await lambda.invoke("tmp-b", {})) as { tmp: string; count: number };
        expect(b.count, "another function's /tmp is not shared").to.equal(1);
        // Two at once: the second runs in a second environment, with a /tmp of its own.
        const [held, other] = await Promise.all([lambda.invoke("tmp-a", { hold: 300 }), lambda.invoke("tmp-a", { hold: 300 })]);
        const tmps = [held, other].map((outcome) => (valueOf(outcome) as { tmp: string }).tmp);
        expect(new Set(tmps).size).to.equal(2);
        expect(tmps.every((tmp) => !tmp.startsWith(os.tmpdir() + path.sep + "count"))).to.equal(true);
        await lambda.stop();
        runtime = undefined;
        await sleep(100);
        for (const tmp of [...tmps, b.tmp]) expect(fs.existsSync(tmp), `${tmp} removed with its environment`).to.equal(false);
    });

    it("starts Node.js with the runtime's flags, the heap sized from the memory size", async () => {
        const lambda = start([inlineFunction("flags", "exports.handler = async () => ({ argv: process.execArgv, gc: typeof gc });")]);
        const { argv, gc } = valueOf(await lambda.invoke("flags", {})) as { argv: string[]; gc: string };
        expect(heapFlags(128)).to.deep.equal(["--max-semi-space-size=6", "--max-old-space-size=116"]);
        expect(heapFlags(1024)).to.deep.equal(["--max-semi-space-size=51", "--max-old-space-size=922"]);
        expect(argv).to.include.members(["--expose-gc", "--max-http-header-size=81920", ...heapFlags(128)]);
        expect(gc).to.equal("function");
    });

    it("ends an environment that outgrows its memory size with Runtime.OutOfMemory, and the next invocation starts afresh", async () => {
        const lambda = start([
            inlineFunction(
                "hungry",
                "const kept = []; exports.handler = async (event) => { if (event.eat) for (;;) { kept.push(Buffer.alloc(8 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); } return 'fine'; };",
            ),
        ]);
        const error = errorOf(await lambda.invoke("hungry", { eat: true }));
        expect(error.errorType).to.equal("Runtime.OutOfMemory");
        expect(error.errorMessage).to.match(/^RequestId: \S+ Error: Runtime exited with error: signal: killed$/);
        expect(linesOf("hungry").find((line) => line.startsWith("REPORT"))).to.match(
            /Max Memory Used: 128 MB\t(Init Duration: \S+ ms\t)?Status: error\tError Type: Runtime\.OutOfMemory$/,
        );
        expect(valueOf(await lambda.invoke("hungry", {}))).to.equal("fine");
    });

    it("counts an environment's own memory, not the local cloud's that spawned it (Linux's getrusage carries that over)", async () => {
        // The spawning process holds more than the function's 128 MB while the environment starts.
        const ballast = Buffer.alloc(256 * 1024 * 1024, 1);
        const lambda = start([inlineFunction("small", "exports.handler = async () => 'fine';")]);
        expect(valueOf(await lambda.invoke("small", {}))).to.equal("fine");
        expect(ballast[ballast.length - 1], "still held").to.equal(1);
        const used = Number(/Max Memory Used: (\d+) MB/.exec(linesOf("small").find((line) => line.startsWith("REPORT")) ?? "")?.[1]);
        expect(used).to.be.within(1, 127);
    });

    it("gives the handler Lambda's context: a string memory limit, the ARN, the time left", async () => {
        const lambda = start([
            inlineFunction(
                "context",
                "exports.handler = async (event, context) => ({ ...context, remaining: context.getRemainingTimeInMillis(), keys: Object.keys(context) });",
                { timeout: 7 },
            ),
        ]);
        const context = valueOf(await lambda.invoke("context", {}, "c0ffee00-0000-4000-8000-000000000000")) as Record<string, unknown>;
        expect(context).to.include({
            functionName: "context",
            functionVersion: "$LATEST",
            invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:context",
            memoryLimitInMB: "128",
            awsRequestId: "c0ffee00-0000-4000-8000-000000000000",
            logGroupName: "/aws/lambda/context",
            callbackWaitsForEmptyEventLoop: true,
        });
        expect(context.remaining).to.be.within(6_000, 7_000);
        expect(context.keys).to.include.members(["getRemainingTimeInMillis", "done", "succeed", "fail", "clientContext", "identity"]);
    });

    it("answers a callback once the event loop is empty, or at once when callbackWaitsForEmptyEventLoop is false", async () => {
        const source = `
            exports.handler = (event, context, callback) => {
                context.callbackWaitsForEmptyEventLoop = event.wait;
                setTimeout(() => {}, 400);
                callback(null, "answered");
            };`;
        const lambda = start([inlineFunction("callback", source)]);
        await lambda.invoke("callback", { wait: false }); // the cold start, not measured
        let began = Date.now();
        expect(valueOf(await lambda.invoke("callback", { wait: true }))).to.equal("answered");
        expect(Date.now() - began, "waited for the timer").to.be.at.least(350);
        began = Date.now();
        expect(valueOf(await lambda.invoke("callback", { wait: false }))).to.equal("answered");
        expect(Date.now() - began, "did not wait").to.be.below(300);
    });

    it("freezes an environment between invocations: work a handler left behind runs only once the next one thaws it", async () => {
        const source = `
            let ranAt;
            exports.handler = async (event) => {
                if (event.leave) setTimeout(() => (ranAt = Date.now()), 50);
                if (event.wait) await new Promise((resolve) => setTimeout(resolve, event.wait));
                return { ranAt };
            };`;
        const lambda = start([inlineFunction("frozen", source)], 1);
        valueOf(await lambda.invoke("frozen", { leave: true }));
        await sleep(300);
        const thawed = Date.now();
        const { ranAt } = valueOf(await lambda.invoke("frozen", { wait: 100 })) as { ranAt?: number };
        // Not during the 300 ms frozen, though its 50 ms had long passed: when the second invocation thawed it.
        expect(ranAt).to.be.a("number").and.at.least(thawed);
    });

    it("fails an async handler whose promise never settles with Runtime.NodeJsExit, and a callback never called with null", async () => {
        const lambda = start([
            inlineFunction("never", "exports.handler = async () => new Promise(() => {});"),
            inlineFunction("uncalled", "exports.handler = (event, context, callback) => {};"),
        ]);
        expect(errorOf(await lambda.invoke("never", {})).errorType).to.equal("Runtime.NodeJsExit");
        expect(valueOf(await lambda.invoke("uncalled", {}))).to.equal(null);
    });

    it("keeps every other function serving when one exits, crashes or rejects unhandled, and reports each as Lambda does", async () => {
        const lambda = start([
            inlineFunction("exits", "exports.handler = async (event) => { process.exit(event.code); };"),
            inlineFunction(
                "rejects",
                "exports.handler = async () => { Promise.reject(new Error('floating')); await new Promise((r) => setTimeout(r, 500)); };",
            ),
            inlineFunction(
                "throws",
                "exports.handler = async () => { setImmediate(() => { throw new TypeError('later'); }); await new Promise((r) => setTimeout(r, 500)); };",
            ),
            inlineFunction("steady", "let calls = 0; exports.handler = async () => ++calls;"),
        ]);
        expect(valueOf(await lambda.invoke("steady", {}))).to.equal(1);
        const [exit3, exit0, rejected, thrown] = await Promise.all([
            lambda.invoke("exits", { code: 3 }),
            lambda.invoke("exits", { code: 0 }),
            lambda.invoke("rejects", {}),
            lambda.invoke("throws", {}),
        ]);
        expect(errorOf(exit3)).to.deep.include({ errorType: "Runtime.ExitError" });
        expect(errorOf(exit3).errorMessage).to.match(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/);
        expect(errorOf(exit0).errorMessage).to.match(/Error: Runtime exited without providing a reason$/);
        expect(errorOf(rejected)).to.deep.include({ errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: floating" });
        expect(errorOf(thrown)).to.deep.include({ errorType: "TypeError", errorMessage: "later" });
        expect(
            linesOf("rejects").some((line) =>
                /\tERROR\tUnhandled Promise Rejection \t\{"errorType":"Runtime\.UnhandledPromiseRejection"/.test(line),
            ),
        ).to.equal(true);
        // The same warm environment of the steady function, untouched by the others' ends.
        expect(valueOf(await lambda.invoke("steady", {}))).to.equal(2);
    });

    it("logs as the runtime does: time, request id and level before each message, one line per call, START, END and REPORT", async () => {
        const source = `
            console.log("loading");
            exports.handler = async () => { console.log("two\\nlines"); console.warn({ a: 1 }); console.error("bad"); return 1; };`;
        const lambda = start([inlineFunction("logger", source)]);
        valueOf(await lambda.invoke("logger", {}, "11111111-1111-4111-8111-111111111111"));
        valueOf(await lambda.invoke("logger", {}, "22222222-2222-4222-8222-222222222222"));
        const lines = linesOf("logger");
        const iso = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
        expect(lines[0]).to.match(new RegExp(`^${iso}\\tundefined\\tINFO\\tloading$`));
        expect(lines[1]).to.equal("START RequestId: 11111111-1111-4111-8111-111111111111 Version: $LATEST");
        expect(lines[2]).to.match(new RegExp(`^${iso}\\t11111111-1111-4111-8111-111111111111\\tINFO\\ttwo\\rlines$`));
        expect(lines[3]).to.match(new RegExp(`\\tWARN\\t\\{ a: 1 \\}$`));
        expect(lines[4]).to.match(new RegExp(`\\tERROR\\tbad$`));
        expect(lines[5]).to.equal("END RequestId: 11111111-1111-4111-8111-111111111111");
        expect(lines[6]).to.match(
            /^REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$/,
        );
        const second = lines.find((line) => line.startsWith("REPORT RequestId: 2222"));
        expect(second, "Init Duration on the cold start only").to.not.include("Init Duration");
    });

    it("logs one JSON object per call with loggingConfig's JSON format, and drops levels below its application level", async () => {
        const lambda = start([
            inlineFunction(
                "json-logger",
                'exports.handler = async () => { console.debug("hidden"); console.info({ order: 7 }); console.error("failed", new Error("why")); };',
                {
                    logFormat: "JSON",
                    applicationLogLevel: "INFO",
                },
            ),
        ]);
        valueOf(await lambda.invoke("json-logger", {}, "33333333-3333-4333-8333-333333333333"));
        const records = linesOf("json-logger")
            .filter((line) => line.startsWith("{"))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(records.map((r) => [r.level, r.requestId])).to.deep.equal([
            ["INFO", "33333333-3333-4333-8333-333333333333"],
            ["ERROR", "33333333-3333-4333-8333-333333333333"],
        ]);
        expect(records[0].message).to.deep.equal({ order: 7 });
        expect(records[1]).to.include({ errorType: "Error", errorMessage: "why" });
    });

    it("refuses a callback handler on Node.js 24, and a response over 6 MB", async () => {
        const lambda = start([
            inlineFunction("callback24", "exports.handler = (event, context, callback) => callback(null, 1);", { runtime: "nodejs24.x" }),
            inlineFunction("async24", "exports.handler = async (event, context) => typeof context.succeed;", { runtime: "nodejs24.x" }),
            inlineFunction("huge", "exports.handler = async () => 'x'.repeat(6_300_000);"),
        ]);
        expect(errorOf(await lambda.invoke("callback24", {})).errorType).to.equal("Runtime.CallbackHandlerDeprecated");
        expect(valueOf(await lambda.invoke("async24", {}))).to.equal("undefined");
        expect(errorOf(await lambda.invoke("huge", {}))).to.deep.include({ errorType: "Function.ResponseSizeTooLarge" });
    });

    it("keeps serving through a terminal's Ctrl-C (the local cloud stops it), and cuts a line without end at 256 KB", async () => {
        const lambda = start([
            inlineFunction(
                "steady-pid",
                "exports.handler = async (event) => { if (event.flood) process.stdout.write('x'.repeat(600_000)); return process.pid; };",
            ),
        ]);
        const pid = valueOf(await lambda.invoke("steady-pid", {})) as number;
        process.kill(pid, "SIGINT");
        await sleep(100);
        expect(valueOf(await lambda.invoke("steady-pid", { flood: true })), "the same environment").to.equal(pid);
        await lambda.stop();
        runtime = undefined;
        const lengths = linesOf("steady-pid")
            .filter((line) => line.startsWith("xxx"))
            .map((line) => line.length);
        expect(lengths).to.deep.equal([256 * 1024, 256 * 1024, 600_000 - 512 * 1024]);
    });

    it("says once at start which functions declare another Node.js than this machine's", () => {
        const here = Number(process.versions.node.split(".")[0]);
        start([
            inlineFunction("same", "", { runtime: `nodejs${here}.x` }),
            inlineFunction("newer-a", "", { runtime: `nodejs${here + 2}.x` }),
            inlineFunction("newer-b", "", { runtime: `nodejs${here + 2}.x` }),
        ]);
        expect(logs).to.deep.equal([
            `Lambda: 2 function(s) declare nodejs${here + 2}.x and run here on Node.js ${process.versions.node} (newer-a, newer-b)`,
        ]);
    });

    it("refuses, as Lambda's deployment does, a reserved variable or more than 4 KB of them", () => {
        expect(environmentProblem({ name: "f", environment: { AWS_REGION: "x", OK: "y" } })).to.equal(
            "function f: Lambda reserves the environment variable AWS_REGION and refuses to deploy a function that sets it; remove it from its environment.",
        );
        expect(environmentProblem({ name: "f", environment: { BIG: "x".repeat(4_100) } })).to.match(/over Lambda's 4 KB/);
        expect(environmentProblem({ name: "f", environment: { TZ: "Europe/Paris", LANG: "C" } })).to.equal(undefined);
    });
});
