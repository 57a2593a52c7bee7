import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { materializeCode, provideRuntimeSdk } from "./code";
import type { FunctionSpec } from "../../graph/specs";
import { clock } from "./request-log";

export type InvokeOutcome =
    | { ok: true; value: unknown; durationMs: number }
    | { ok: false; error: { errorType: string; errorMessage: string; trace?: string[] }; durationMs: number };

export interface LambdaRuntimeOptions {
    programDir: string;
    /** Where function code is unpacked. */
    runtimeDir: string;
    region: string;
    /** Environment every function gets (endpoints, credentials). */
    environment: Record<string, string>;
    /** `{apiId}.execute-api.{region}.amazonaws.com` → local gateway port. */
    interceptHosts: Record<string, number>;
    /** Warm environments per function at most; further invocations queue. */
    maxConcurrency: number;
    /** Delays before the first and later retries of a failed asynchronous invocation (AWS: about 1 and 2 minutes). */
    asyncRetryDelaysMs: number[];
    log: (line: string) => void;
}

interface Environment {
    worker: Worker;
    busy: boolean;
    pending?: { id: string; resolve: (outcome: InvokeOutcome) => void; started: number; timer: NodeJS.Timeout };
}

const WORKER = path.join(__dirname, "worker.js");

/** Runs each function's deployed code in isolated worker threads, reused while warm, with a concurrency cap. */
export class LambdaRuntime {
    private readonly functions = new Map<string, FunctionSpec>();
    private readonly pools = new Map<string, { environments: Environment[]; queue: (() => void)[] }>();
    private readonly pendingAsync = new Set<Promise<void>>();
    private stopped = false;
    /** Wakes the retry delays under way, so that stopping does not wait them out. */
    private readonly sleepers = new Set<() => void>();

    constructor(
        functions: FunctionSpec[],
        private readonly options: LambdaRuntimeOptions,
    ) {
        provideRuntimeSdk(options.runtimeDir);
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
    async invoke(reference: string, event: unknown): Promise<InvokeOutcome> {
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
            return await this.run(fn, environment, event);
        } finally {
            this.release(fn, environment);
        }
    }

    /**
     * An asynchronous (Event) invocation: on error retried as often as the function's `FunctionEventInvokeConfig`
     * says (Lambda's default: twice; B28, B29), and logged with its outcome.
     */
    invokeAsync(reference: string, event: unknown, source: string): void {
        const note = (text: string) => this.options.log(`${clock()} ${source} → ${reference}: ${text}`);
        const attempt = async () => {
            const retries = this.find(reference)?.maximumRetryAttempts ?? 0;
            const delays = this.options.asyncRetryDelaysMs;
            for (let i = 0; i <= retries; i++) {
                if (i > 0) await this.sleep(delays[Math.min(i, delays.length) - 1] ?? 0);
                if (this.stopped) {
                    note(`abandoned before attempt ${i + 1}: the local cloud stopped`);
                    return;
                }
                const outcome = await this.invoke(reference, event);
                if (!outcome.ok && this.stopped) {
                    note(`abandoned at attempt ${i + 1}: the local cloud stopped`);
                    return;
                }
                if (outcome.ok) {
                    note(`ok (attempt ${i + 1}, ${outcome.durationMs} ms)`);
                    return;
                }
                note(`${outcome.error.errorType}: ${outcome.error.errorMessage} (attempt ${i + 1} of ${retries + 1})`);
            }
            note(
                `failed after ${retries} ${retries === 1 ? "retry" : "retries"}; on AWS the event goes to the function's failure destination`,
            );
        };
        const run = attempt().finally(() => this.pendingAsync.delete(run));
        this.pendingAsync.add(run);
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
        await Promise.all(
            [...this.pools.values()].flatMap((pool) => pool.environments.map((environment) => environment.worker.terminate())),
        );
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
        const idle = pool.environments.find((environment) => !environment.busy);
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
        const taskDir = path.join(this.options.runtimeDir, fn.name);
        const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomUUID().replace(/-/g, "")}`;
        const worker = new Worker(WORKER, {
            // Not the parent's flags: a TypeScript loader there has no business in a Lambda environment.
            execArgv: [],
            workerData: {
                taskDir,
                handler: fn.handler,
                functionName: fn.name,
                functionArn: fn.arn,
                memorySize: fn.memorySize,
                logGroupName: fn.logGroupName,
                logStreamName,
                interceptHosts: this.options.interceptHosts,
            },
            env: {
                ...this.options.environment,
                ...fn.environment,
                AWS_REGION: this.options.region,
                AWS_DEFAULT_REGION: this.options.region,
                AWS_LAMBDA_FUNCTION_NAME: fn.name,
                AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
                AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
                AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
                AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
                LAMBDA_TASK_ROOT: taskDir,
                _HANDLER: fn.handler,
                TZ: "UTC",
            },
            stdout: true,
            stderr: true,
            resourceLimits: { maxOldGenerationSizeMb: Math.max(64, fn.memorySize) },
        });
        const prefix = `[${fn.name}] `;
        for (const stream of [worker.stdout, worker.stderr]) {
            let buffered = "";
            stream.setEncoding("utf8");
            stream.on("data", (chunk: string) => {
                buffered += chunk;
                const lines = buffered.split("\n");
                buffered = lines.pop() ?? "";
                for (const line of lines) this.options.log(prefix + line);
            });
        }
        const environment: Environment = { worker, busy: false };
        worker.on(
            "message",
            (message: { id: string; ok: boolean; value?: unknown; error?: { errorType: string; errorMessage: string } }) => {
                const pending = environment.pending;
                if (!pending || pending.id !== message.id) return;
                environment.pending = undefined;
                clearTimeout(pending.timer);
                const durationMs = Date.now() - pending.started;
                pending.resolve(
                    message.ok ? { ok: true, value: message.value, durationMs } : { ok: false, error: message.error!, durationMs },
                );
            },
        );
        const fail = (errorType: string, errorMessage: string) => {
            this.discard(fn, environment);
            const pending = environment.pending;
            if (pending) {
                environment.pending = undefined;
                clearTimeout(pending.timer);
                pending.resolve({ ok: false, error: { errorType, errorMessage }, durationMs: Date.now() - pending.started });
            }
        };
        worker.on("error", (err) => fail("Runtime.UnhandledError", String(err instanceof Error ? err.message : err)));
        worker.on("exit", (code) =>
            fail("Runtime.ExitError", `RequestId: ${environment.pending?.id ?? "-"} Error: Runtime exited with error: exit status ${code}`),
        );
        return environment;
    }

    private run(fn: FunctionSpec, environment: Environment, event: unknown): Promise<InvokeOutcome> {
        return new Promise((resolve) => {
            const id = randomUUID();
            const started = Date.now();
            const deadline = started + fn.timeout * 1000;
            const timer = setTimeout(() => {
                environment.pending = undefined;
                this.discard(fn, environment);
                void environment.worker.terminate();
                resolve({
                    ok: false,
                    error: {
                        errorType: "Sandbox.Timedout",
                        errorMessage: `RequestId: ${id} Error: Task timed out after ${fn.timeout.toFixed(2)} seconds`,
                    },
                    durationMs: Date.now() - started,
                });
            }, fn.timeout * 1000);
            environment.pending = { id, resolve, started, timer };
            environment.worker.postMessage({ id, event, awsRequestId: id, deadline });
        });
    }

    /** Drops a broken environment; the next invocation starts a fresh one (a cold start). */
    private discard(fn: FunctionSpec, environment: Environment): void {
        const pool = this.pools.get(fn.name)!;
        const index = pool.environments.indexOf(environment);
        if (index >= 0) {
            pool.environments.splice(index, 1);
            pool.queue.shift()?.();
        }
    }
}
