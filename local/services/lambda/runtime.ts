import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { functionCredentials } from "../credentials";
import type { Faults } from "../faults";
import type { FunctionSpec } from "../../graph/specs";
import { materializeCode, provideRuntimeSdk } from "./code";
import { ExecutionEnvironment, type InvokeError, type InvokeOutcome } from "./execution-environment";
import { deadLetterMessage, destinationRecord, type FailedEvent } from "./failure-record";
import { clock } from "./request-log";
import { logStreamName, nodeMajor, runtimeVariables } from "./runtime-environment";

export type { InvokeOutcome } from "./execution-environment";

/** Where a failed asynchronous event's record goes: an SQS queue by ARN; false when there is no such queue. */
export type FailureSink = (
    queueArn: string,
    body: string,
    attributes?: Record<string, { DataType: "String" | "Number"; StringValue: string }>,
) => boolean;

export interface LambdaRuntimeOptions {
    programDir: string;
    /** Where function code is unpacked. */
    runtimeDir: string;
    region: string;
    /** What only the local cloud gives every function: its service endpoints. */
    localVariables: Record<string, string>;
    /** `{apiId}.execute-api.{region}.amazonaws.com` → local gateway port. */
    interceptHosts: Record<string, number>;
    /** Warm environments per function at most; further invocations queue. */
    maxConcurrency: number;
    /** Delays before the first and later retries of a failed asynchronous invocation (AWS: about 1 and 2 minutes). */
    asyncRetryDelaysMs: number[];
    /** Which invocations crash (B45). */
    faults?: Faults;
    /** Delivers failure records to the program's queues (B44). */
    failureSink?: FailureSink;
    log: (line: string) => void;
}

interface Environment {
    process: ExecutionEnvironment;
    busy: boolean;
}

/**
 * Lambda runs a function on the Node.js its runtime names; locally it runs on this machine's. Said once at start,
 * per runtime, when the major versions differ, so that an API one has and the other lacks is no surprise.
 */
function warnOfOtherNodeVersions(functions: FunctionSpec[], log: (line: string) => void): void {
    const here = Number(process.versions.node.split(".")[0]);
    for (const runtime of new Set(functions.map((fn) => fn.runtime))) {
        const major = nodeMajor(runtime);
        if (major > 0 && major !== here) {
            const names = functions.filter((fn) => fn.runtime === runtime).map((fn) => fn.name);
            log(
                `Lambda: ${names.length} function(s) declare ${runtime} and run here on Node.js ${process.versions.node} (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", …" : ""})`,
            );
        }
    }
}

/**
 * Every environment of every runtime in this process, ended with it when it exits; were it killed, each ends at the
 * end of its request pipe (B43).
 */
const everyEnvironment = new Set<ExecutionEnvironment>();
process.once("exit", () => {
    for (const environment of everyEnvironment) environment.kill();
});

/**
 * Runs each function's deployed code in execution environments of its own (child processes), reused while warm,
 * with a concurrency cap; retries failed asynchronous events and sends those that fail every attempt to the
 * function's failure destination.
 */
export class LambdaRuntime {
    private readonly functions = new Map<string, FunctionSpec>();
    private readonly pools = new Map<string, { environments: Environment[]; queue: (() => void)[] }>();
    private readonly pendingAsync = new Set<Promise<void>>();
    private stopped = false;
    /** Wakes the retry delays under way, so that stopping does not wait them out. */
    private readonly sleepers = new Set<() => void>();
    private readonly tmpRoot: string;

    constructor(
        functions: FunctionSpec[],
        private readonly options: LambdaRuntimeOptions,
    ) {
        provideRuntimeSdk(options.runtimeDir);
        // What a killed run left behind: its environments' /tmp folders.
        this.tmpRoot = path.join(options.runtimeDir, ".tmp");
        fs.rmSync(this.tmpRoot, { recursive: true, force: true });
        warnOfOtherNodeVersions(functions, options.log);
        for (const fn of functions) {
            materializeCode(fn.code, path.join(options.runtimeDir, fn.name), options.programDir, fn.name);
            this.functions.set(fn.name, fn);
            this.functions.set(fn.arn, fn);
            this.pools.set(fn.name, { environments: [], queue: [] });
        }
    }

    /** The function named by a name, an ARN, or an API Gateway `invokeArn`. */
    find(reference: string): FunctionSpec | undefined {
        const invokeArn = /functions\/(arn:[^/]+)\/invocations$/.exec(reference);
        return this.functions.get(invokeArn ? invokeArn[1] : reference);
    }

    /** A synchronous (RequestResponse) invocation. */
    async invoke(reference: string, event: unknown, requestId: string = randomUUID()): Promise<InvokeOutcome> {
        const fn = this.find(reference);
        if (!fn) {
            return {
                ok: false,
                error: { errorType: "ResourceNotFoundException", errorMessage: `Function not found: ${reference}` },
                durationMs: 0,
            };
        }
        let environment: Environment;
        try {
            environment = await this.acquire(fn);
        } catch (err) {
            return {
                ok: false,
                error: { errorType: "ServiceException", errorMessage: String(err instanceof Error ? err.message : err) },
                durationMs: 0,
            };
        }
        try {
            const crash = this.options.faults?.next("functions", fn.name) === "crash";
            return await environment.process.invoke(event, requestId, crash);
        } finally {
            this.release(fn, environment);
        }
    }

    /**
     * An asynchronous (Event) invocation: on error retried as often as the function's `FunctionEventInvokeConfig`
     * says (Lambda's default: twice; B28, B29), each outcome logged, and an event that fails every attempt sent to
     * the function's failure destination (B44), or logged as dropped when it has none.
     */
    invokeAsync(reference: string, event: unknown, source: string): void {
        const note = (text: string) => this.options.log(`${clock()} ${source} → ${reference}: ${text}`);
        const requestId = randomUUID();
        const received = Date.now();
        const attempt = async () => {
            const fn = this.find(reference);
            const retries = fn?.maximumRetryAttempts ?? 0;
            const delays = this.options.asyncRetryDelaysMs;
            let lastError: InvokeError | undefined;
            let attempts = 0;
            for (let i = 0; i <= retries; i++) {
                if (i > 0) await this.sleep(delays[Math.min(i, delays.length) - 1] ?? 0);
                if (this.stopped) {
                    note(`abandoned before attempt ${i + 1}: the local cloud stopped`);
                    return;
                }
                if (fn && lastError && (Date.now() - received) / 1000 > fn.maximumEventAgeSeconds) {
                    this.giveUp(fn, note, { requestId, condition: "EventAgeExceeded", attempts, event, error: lastError });
                    return;
                }
                const outcome = await this.invoke(reference, event, requestId);
                attempts++;
                if (!outcome.ok && this.stopped) {
                    note(`abandoned at attempt ${i + 1}: the local cloud stopped`);
                    return;
                }
                if (outcome.ok) {
                    note(`ok (attempt ${i + 1}, ${outcome.durationMs} ms)`);
                    return;
                }
                lastError = outcome.error;
                note(`${outcome.error.errorType}: ${outcome.error.errorMessage} (attempt ${i + 1} of ${retries + 1})`);
            }
            if (fn && lastError) this.giveUp(fn, note, { requestId, condition: "RetriesExhausted", attempts, event, error: lastError });
            else note("dropped: no such function");
        };
        const run = attempt()
            .catch((err: unknown) => note(`lost: ${err instanceof Error ? err.message : String(err)} (RequestId ${requestId})`))
            .finally(() => this.pendingAsync.delete(run));
        this.pendingAsync.add(run);
    }

    /** Sends a failed event's record to each failure target of the function (B29, B44), or says it is dropped. */
    private giveUp(
        fn: FunctionSpec,
        note: (text: string) => void,
        failure: { requestId: string; condition: FailedEvent["condition"]; attempts: number; event: unknown; error: InvokeError },
    ): void {
        const attempts = `${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}`;
        const why =
            failure.condition === "EventAgeExceeded"
                ? `older than ${fn.maximumEventAgeSeconds} s after ${attempts}`
                : `failed after ${attempts}`;
        const failed: FailedEvent = {
            requestId: failure.requestId,
            functionArn: fn.arn,
            condition: failure.condition,
            approximateInvokeCount: failure.attempts,
            event: failure.event,
            error: failure.error,
        };
        if (fn.onFailure.length === 0) {
            note(`${why}; dropped: the function has no failure destination (RequestId ${failure.requestId})`);
            return;
        }
        // A destination and a dead-letter queue both get the event when both are configured (B29).
        for (const target of fn.onFailure) {
            const message =
                target.kind === "destination" ? { body: destinationRecord(failed), attributes: undefined } : deadLetterMessage(failed);
            const where = target.kind === "destination" ? "its on-failure destination" : "its dead-letter queue";
            let outcome: string;
            try {
                outcome = this.options.failureSink?.(target.arn, message.body, message.attributes)
                    ? `sent to ${where} ${target.arn}`
                    : `not delivered to ${where}: ${target.arn} is not an SQS queue of this program, the only destination the local cloud delivers to`;
            } catch (err) {
                outcome = `not delivered to ${where} ${target.arn}: ${err instanceof Error ? err.message : String(err)}`;
            }
            note(`${why}; ${outcome} (RequestId ${failure.requestId})`);
        }
    }

    /** Waits for asynchronous invocations under way (tests, shutdown). */
    async settle(): Promise<void> {
        while (this.pendingAsync.size > 0) {
            await Promise.all([...this.pendingAsync]);
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        for (const wake of [...this.sleepers]) wake();
        for (const pool of this.pools.values()) {
            for (const wake of pool.queue.splice(0)) wake();
        }
        await Promise.all([...this.pools.values()].flatMap((pool) => pool.environments.map((environment) => environment.process.stop())));
    }

    private sleep(ms: number): Promise<void> {
        return new Promise((resolve) => {
            const wake = () => {
                clearTimeout(timer);
                this.sleepers.delete(wake);
                resolve();
            };
            const timer = setTimeout(wake, ms);
            this.sleepers.add(wake);
        });
    }

    private limit(fn: FunctionSpec): number {
        return Math.max(1, Math.min(this.options.maxConcurrency, fn.reservedConcurrency ?? Number.POSITIVE_INFINITY));
    }

    private acquire(fn: FunctionSpec): Promise<Environment> {
        const pool = this.pools.get(fn.name)!;
        if (this.stopped) {
            return Promise.reject(new Error("The local Lambda service has stopped."));
        }
        const idle = pool.environments.find((environment) => !environment.busy && environment.process.alive);
        if (idle) {
            idle.busy = true;
            return Promise.resolve(idle);
        }
        if (pool.environments.length < this.limit(fn)) {
            const environment = this.start(fn);
            environment.busy = true;
            pool.environments.push(environment);
            return Promise.resolve(environment);
        }
        return new Promise((resolve) => pool.queue.push(() => resolve(this.acquire(fn))));
    }

    private release(fn: FunctionSpec, environment: Environment): void {
        environment.busy = false;
        this.pools.get(fn.name)!.queue.shift()?.();
    }

    private start(fn: FunctionSpec): Environment {
        const id = randomUUID();
        const taskDir = path.join(this.options.runtimeDir, fn.name);
        const tmpDir = path.join(this.tmpRoot, `${fn.name}-${id.slice(0, 8)}`);
        const stream = logStreamName(new Date(), id);
        const prefix = `[${fn.name}] `;
        const process = new ExecutionEnvironment({
            fn,
            taskDir,
            tmpDir,
            logStreamName: stream,
            variables: runtimeVariables(fn, {
                region: this.options.region,
                taskDir,
                runtimeDir: this.options.runtimeDir,
                tmpDir,
                logStreamName: stream,
                credentials: functionCredentials(fn.name),
                local: this.options.localVariables,
            }),
            interceptHosts: this.options.interceptHosts,
            log: (line) => this.options.log(prefix + line),
        });
        const environment: Environment = { process, busy: false };
        everyEnvironment.add(process);
        // A crashed, timed-out or killed environment is dropped; the next invocation starts a fresh one (a cold start).
        process.onExit(() => {
            everyEnvironment.delete(process);
            const pool = this.pools.get(fn.name)!;
            const index = pool.environments.indexOf(environment);
            if (index >= 0) {
                pool.environments.splice(index, 1);
                pool.queue.shift()?.();
            }
        });
        return environment;
    }
}
