import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import type { FunctionSpec } from "../../graph/specs";
import { invocationTrace } from "../trace-id";
import { nodeFlags, nodeMajor } from "./runtime-environment";

export type InvokeError = { errorType: string; errorMessage: string; trace?: string[] };

export type InvokeOutcome = { ok: true; value: unknown; durationMs: number } | { ok: false; error: InvokeError; durationMs: number };

export interface EnvironmentSettings {
    fn: FunctionSpec;
    taskDir: string;
    /** This environment's /tmp, removed when it ends. */
    tmpDir: string;
    logStreamName: string;
    /** The whole process environment (runtimeVariables). */
    variables: Record<string, string>;
    /** `{apiId}.execute-api.{region}.amazonaws.com` → local gateway port. */
    interceptHosts: Record<string, number>;
    /** Each line the function and the platform print, without a prefix. */
    log: (line: string) => void;
}

type Message =
    | { type: "ready"; initDurationMs: number; error?: InvokeError }
    | { type: "result"; id: string; ok: boolean; value?: unknown; error?: InvokeError; maxRssBytes?: number; exitStatus?: number }
    | { type: "exiting"; exitStatus: number }
    | { type: "out-of-memory" };

interface Pending {
    id: string;
    started: number;
    timer: NodeJS.Timeout;
    resolve: (outcome: InvokeOutcome) => void;
}

const BOOTSTRAP = path.join(__dirname, "bootstrap.js");
/** How long an init phase may take (B43). */
const INIT_TIMEOUT_MS = 10_000;
/** CloudWatch keeps at most 256 KB of one log event: a longer line is cut there, as it would be. */
const MAX_LINE_CHARS = 256 * 1024;
const MB = 1024 * 1024;

/**
 * One execution environment of a function (B43): a Node.js process with the task root as its working directory, a
 * /tmp of its own, the runtime's variables and heap flags, frozen between invocations as Lambda freezes it (it
 * waits for the next request in a blocking read: see bootstrap.js). A crash, `process.exit` or an out-of-memory
 * ends this process only; every other environment goes on serving.
 */
export class ExecutionEnvironment {
    private readonly child: ChildProcess;
    private readonly channel: Writable;
    private readonly ready: Promise<{ initDurationMs: number; error?: InvokeError }>;
    private markReady?: (ready: { initDurationMs: number; error?: InvokeError }) => void;
    private pending?: Pending;
    private initReported = false;
    private initDurationMs = 0;
    private maxRssBytes = 0;
    private exited = false;
    /** Killed, crashed or out of memory: it takes no further invocation, though its exit may not have come yet. */
    private dying = false;
    private outOfMemory = false;
    private readonly exitListeners: (() => void)[] = [];

    constructor(private readonly settings: EnvironmentSettings) {
        const { fn } = settings;
        fs.mkdirSync(settings.tmpDir, { recursive: true });
        // Not the parent's flags: a TypeScript loader there has no business in a Lambda environment.
        this.child = spawn(process.execPath, [...nodeFlags(fn), BOOTSTRAP], {
            cwd: settings.taskDir,
            env: settings.variables,
            stdio: ["ignore", "pipe", "pipe", "pipe"],
        });
        this.channel = this.child.stdio[3] as Writable;
        for (const stream of [this.child.stdout!, this.child.stderr!]) forwardLines(stream, settings.log);
        forwardLines(this.child.stdio[3] as Readable, (line) => this.receive(JSON.parse(line) as Message));
        this.channel.on("error", () => this.kill());
        this.ready = new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.kill();
                resolve({
                    initDurationMs: INIT_TIMEOUT_MS,
                    error: {
                        errorType: "Runtime.InitTimeout",
                        errorMessage: `Init phase did not finish within ${INIT_TIMEOUT_MS / 1000} seconds`,
                    },
                });
            }, INIT_TIMEOUT_MS);
            timer.unref();
            this.markReady = (ready) => {
                clearTimeout(timer);
                this.markReady = undefined;
                resolve(ready);
            };
        });
        // "close", not "exit": an answer written just before the end is read first.
        this.child.on("close", (code, signal) => this.ended(code, signal));
        this.child.on("error", () => this.kill());
        this.write({
            handler: fn.handler,
            taskDir: settings.taskDir,
            functionName: fn.name,
            functionArn: fn.arn,
            memorySize: fn.memorySize,
            logGroupName: fn.logGroupName,
            logStreamName: settings.logStreamName,
            interceptHosts: settings.interceptHosts,
            noCallbacks: nodeMajor(fn.runtime) >= 24,
        });
    }

    /** Whether it may take another invocation. */
    get alive(): boolean {
        return !this.exited && !this.dying;
    }

    onExit(listener: () => void): void {
        if (this.exited) listener();
        else this.exitListeners.push(listener);
    }

    /** Runs one invocation to its end: a result, an error, a timeout or the end of the process; `crash` kills it. */
    async invoke(event: unknown, id: string = randomUUID(), crash = false): Promise<InvokeOutcome> {
        const { fn } = this.settings;
        const init = await this.ready;
        if (init.error || !this.alive) {
            this.kill();
            return {
                ok: false,
                error: init.error ?? {
                    errorType: "Runtime.ExitError",
                    errorMessage: `RequestId: ${id} Error: Runtime exited during its init phase`,
                },
                durationMs: 0,
            };
        }
        this.settings.log(`START RequestId: ${id} Version: $LATEST`);
        return new Promise((resolve) => {
            const started = Date.now();
            const timer = setTimeout(() => {
                this.settle({
                    ok: false,
                    error: {
                        errorType: "Sandbox.Timedout",
                        errorMessage: `RequestId: ${id} Error: Task timed out after ${fn.timeout.toFixed(2)} seconds`,
                    },
                    durationMs: Date.now() - started,
                });
                this.kill();
            }, fn.timeout * 1000);
            this.pending = { id, started, timer, resolve };
            this.write({ id, awsRequestId: id, deadline: started + fn.timeout * 1000, traceId: invocationTrace(started), event });
            // An injected crash (B45): the process dies as the invocation reaches it.
            if (crash) this.kill();
        });
    }

    /** Ends the process at once (SIGKILL): a timed-out, broken or no longer wanted environment. */
    kill(): void {
        this.dying = true;
        if (!this.exited) this.child.kill("SIGKILL");
    }

    async stop(): Promise<void> {
        const exited = new Promise<void>((resolve) => this.onExit(resolve));
        this.kill();
        await exited;
    }

    private write(message: unknown): void {
        if (this.exited) return;
        this.channel.write(JSON.stringify(message) + "\n");
    }

    private receive(message: Message): void {
        if (message.type === "ready") return this.markReady?.(message);
        if (message.type === "out-of-memory") {
            this.outOfMemory = true;
            this.dying = true;
            return;
        }
        if (message.type === "exiting") {
            this.dying = true;
            return;
        }
        if (message.exitStatus !== undefined) this.dying = true;
        if (this.pending?.id !== message.id) return;
        this.maxRssBytes = Math.max(this.maxRssBytes, message.maxRssBytes ?? 0);
        const durationMs = Date.now() - this.pending.started;
        this.settle(message.ok ? { ok: true, value: message.value, durationMs } : { ok: false, error: message.error!, durationMs });
    }

    private settle(outcome: InvokeOutcome): void {
        const pending = this.pending;
        if (!pending) return;
        this.pending = undefined;
        clearTimeout(pending.timer);
        this.settings.log(`END RequestId: ${pending.id}`);
        this.settings.log(this.report(pending, outcome));
        this.initReported = true;
        pending.resolve(outcome);
    }

    /** The platform's REPORT line (B41): tab-separated, with a trailing tab when the invocation succeeded. */
    private report(pending: Pending, outcome: InvokeOutcome): string {
        const { fn } = this.settings;
        const timedOut = !outcome.ok && outcome.error.errorType === "Sandbox.Timedout";
        const durationMs = timedOut ? fn.timeout * 1000 : Date.now() - pending.started;
        const initMs = this.initReported ? 0 : this.initDurationMs;
        const platformError = !outcome.ok && /^(Runtime|Function)\./.test(outcome.error.errorType);
        const memoryUsed = this.outOfMemory ? fn.memorySize : Math.ceil(this.maxRssBytes / MB);
        const fields = [
            `REPORT RequestId: ${pending.id}`,
            `Duration: ${durationMs.toFixed(2)} ms`,
            // Billed to the millisecond, the init phase included (since August 2025).
            `Billed Duration: ${Math.max(1, Math.ceil(durationMs + initMs))} ms`,
            `Memory Size: ${fn.memorySize} MB`,
            `Max Memory Used: ${Math.min(memoryUsed, fn.memorySize)} MB`,
            ...(this.initReported ? [] : [`Init Duration: ${this.initDurationMs.toFixed(2)} ms`]),
            ...(timedOut
                ? ["Status: timeout"]
                : platformError && !outcome.ok
                  ? ["Status: error", `Error Type: ${outcome.error.errorType}`]
                  : [""]),
        ];
        return fields.join("\t");
    }

    private ended(code: number | null, signal: NodeJS.Signals | null): void {
        this.exited = true;
        this.dying = true;
        const status = signal !== null ? `signal: ${SIGNAL_NAMES[signal] ?? signal.toLowerCase()}` : `exit status ${code}`;
        this.markReady?.({
            initDurationMs: 0,
            error: { errorType: "Runtime.ExitError", errorMessage: `Error: Runtime exited during its init phase with error: ${status}` },
        });
        if (this.pending) {
            const reason = code === 0 ? "Runtime exited without providing a reason" : `Runtime exited with error: ${status}`;
            this.settle({
                ok: false,
                error: {
                    errorType: this.outOfMemory ? "Runtime.OutOfMemory" : "Runtime.ExitError",
                    errorMessage: `RequestId: ${this.pending.id} Error: ${reason}`,
                },
                durationMs: Date.now() - this.pending.started,
            });
        }
        fs.rm(this.settings.tmpDir, { recursive: true, force: true }, () => undefined);
        for (const listener of this.exitListeners.splice(0)) listener();
    }
}

/**
 * Calls `line` with each line of `stream`: only a new chunk is searched for line ends, and a line longer than
 * CloudWatch keeps goes in pieces of that size, so output without newlines costs neither quadratic time nor
 * unbounded memory.
 */
function forwardLines(stream: Readable, line: (text: string) => void): void {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
        let start = 0;
        for (let end = chunk.indexOf("\n"); end >= 0; end = chunk.indexOf("\n", start)) {
            line(buffered + chunk.slice(start, end));
            buffered = "";
            start = end + 1;
        }
        buffered += chunk.slice(start);
        for (; buffered.length > MAX_LINE_CHARS; buffered = buffered.slice(MAX_LINE_CHARS)) line(buffered.slice(0, MAX_LINE_CHARS));
    });
    stream.on("end", () => {
        if (buffered) line(buffered);
    });
}

/** How Lambda names the signal that ended a runtime (B43). */
const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: "killed",
    SIGSEGV: "segmentation fault",
    SIGABRT: "aborted",
    SIGTERM: "terminated",
    SIGBUS: "bus error",
};
