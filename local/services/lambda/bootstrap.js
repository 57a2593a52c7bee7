// One Lambda execution environment, in a process of its own (cwd the task root, its own TMPDIR, the runtime's
// environment variables and heap flags): it loads the function's deployed code the way the Node.js runtime does
// (CommonJS or ES module, `file.export` handler) during an init phase, then runs invocations one at a time.
// Plain JavaScript: it runs without a TypeScript loader, as the code it runs is already JavaScript.
//
// Requests and answers are lines of JSON on file descriptor 3. Between invocations the process waits for the next
// request in a blocking read: nothing of the handler's runs until it comes, which is how Lambda freezes an
// environment (B43), and the end of the file (the local cloud gone, however it died) ends the process.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const util = require("node:util");
const { pathToFileURL } = require("node:url");

const CHANNEL = 3;

/** Set by the parent's first message: the function's handler, task root and the hosts to intercept. */
let settings;
/** The init phase's outcome: the handler, or why there is none. */
let loaded;
/** The invocation under way, whose errors end it. */
let current;
/** The id log lines carry: the last invocation's, even after it ended, as the runtime's global does (B41). */
let requestId;

let unread = Buffer.alloc(0);
const chunk = Buffer.alloc(64 * 1024);
/** Blocks until a whole line has come, then parses it; exits at the end of the file. */
function readMessage() {
    for (;;) {
        const newline = unread.indexOf(10);
        if (newline >= 0) {
            const line = unread.subarray(0, newline).toString("utf8");
            unread = unread.subarray(newline + 1);
            return JSON.parse(line);
        }
        let read;
        try {
            read = fs.readSync(CHANNEL, chunk, 0, chunk.length, null);
        } catch (err) {
            if (err.code === "EAGAIN") {
                pause();
                continue;
            }
            process.exit(0);
        }
        if (read === 0) process.exit(0);
        // The usual case, a whole request in one read, is parsed straight from the read buffer.
        const end = unread.length === 0 ? chunk.indexOf(10) : -1;
        if (end === read - 1) return JSON.parse(chunk.toString("utf8", 0, end));
        unread = unread.length === 0 ? Buffer.from(chunk.subarray(0, read)) : Buffer.concat([unread, chunk.subarray(0, read)]);
    }
}

/** Writes one line whole, waiting while the parent has not read the last (a large response). */
function writeLine(text) {
    writeAll(CHANNEL, text + "\n");
}

/** Writes all of `text` to `fd`, waiting while the reader is behind; the reader gone ends the environment. */
function writeAll(fd, text) {
    const data = Buffer.from(text, "utf8");
    for (let offset = 0; offset < data.length;) {
        try {
            offset += fs.writeSync(fd, data, offset);
        } catch (err) {
            if (err.code !== "EAGAIN") process.exit(0);
            pause();
        }
    }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const pause = () => Atomics.wait(sleeper, 0, 0, 1);

const send = (message) => writeLine(JSON.stringify(message));

/** Frozen until the next request, which then runs once the current task is done. */
function awaitNext() {
    const request = readMessage();
    queueMicrotask(() => invoke(request));
}

function init() {
    settings = readMessage();
    settings.memoryLimitInMB = String(settings.memorySize);
    settings.memoryLimitBytes = settings.memorySize * 1024 * 1024;
    require("./intercept-execute-api.js").install(settings.interceptHosts);
    patchConsole();
    watchMemory(settings.memoryLimitBytes);
    const started = process.hrtime.bigint();
    loadHandler().then(
        (handler) => {
            loaded = { handler };
            send({ type: "ready", initDurationMs: elapsedMs(started) });
            awaitNext();
        },
        (err) => {
            loaded = { error: serializeError(err) };
            send({ type: "ready", initDurationMs: elapsedMs(started), error: loaded.error });
            awaitNext();
        },
    );
}

// The runtime's log formats (B41). Text: `<ISO time>\t<request id>\t<LEVEL>\t<message>`, `undefined` before the first
// invocation, each newline turned into \r so that one call stays one log event. JSON (the function's loggingConfig):
// one object per call, levels below AWS_LAMBDA_LOG_LEVEL dropped. console.fatal is added.
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
function patchConsole() {
    // Written synchronously, as the runtime writes its log: a line is out before the answer, and none waits in a
    // buffer while the environment is frozen. Raw writes to stdout and stderr block too, for the same reason.
    for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
    const json = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
    const threshold = LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL ?? "TRACE").toUpperCase());
    const methods = { trace: "TRACE", debug: "DEBUG", info: "INFO", log: "INFO", warn: "WARN", error: "ERROR", fatal: "FATAL" };
    for (const [method, level] of Object.entries(methods)) {
        if (json && LEVELS.indexOf(level) < threshold && level !== "FATAL") {
            console[method] = () => undefined;
            continue;
        }
        console[method] = (...args) => {
            const line = json
                ? jsonRecord(level, args)
                : `${new Date().toISOString()}\t${requestId ?? "undefined"}\t${level}\t${util.format(...args)}`;
            writeAll(1, line.replace(/\n/g, "\r") + "\n");
        };
    }
}

/** One JSON log record: a single argument kept structured, an Error as errorType, errorMessage and stackTrace. */
function jsonRecord(level, args) {
    const record = { timestamp: new Date().toISOString(), level, ...(requestId ? { requestId } : {}) };
    const error = args.find((arg) => arg instanceof Error);
    record.message = args.length === 1 && !(args[0] instanceof Error) ? args[0] : util.format(...args);
    if (error) Object.assign(record, { errorType: error.name, errorMessage: error.message, stackTrace: String(error.stack).split("\n") });
    try {
        return JSON.stringify(record);
    } catch {
        return JSON.stringify({ ...record, message: util.format(...args) });
    }
}

/** Resolves `dir/file.export` against the task root, trying the extensions Lambda tries (B36). */
async function loadHandler() {
    const spec = settings.handler;
    if (spec.includes("..")) throw runtimeError("Runtime.MalformedHandlerName", "'..' is not allowed in the handler name");
    // `dir/file.a.b`: module `dir/file`, export path `a.b`.
    const slash = spec.lastIndexOf("/");
    const dot = spec.indexOf(".", slash + 1);
    if (dot < 1 || dot === spec.length - 1) throw runtimeError("Runtime.MalformedHandlerName", "Bad handler");
    const base = path.join(settings.taskDir, spec.slice(0, dot));
    const exportPath = spec.slice(dot + 1).split(".");
    const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
    if (!file) throw runtimeError("Runtime.ImportModuleError", `Error: Cannot find module '${spec.slice(0, dot)}'`);
    let mod;
    try {
        mod = isEsModule(file) ? await import(pathToFileURL(file).href) : require(file);
    } catch (err) {
        if (err instanceof SyntaxError) throw runtimeError("Runtime.UserCodeSyntaxError", `SyntaxError: ${err.message}`);
        throw runtimeError("Runtime.ImportModuleError", String(err && err.stack ? err.stack : err));
    }
    const find = (root) => exportPath.reduce((value, key) => (value === undefined || value === null ? undefined : value[key]), root);
    const handler = find(mod) ?? (mod.default ? find(mod.default) : undefined);
    const name = `${path.basename(spec.slice(0, dot))}.${exportPath.join(".")}`;
    if (handler === undefined) throw runtimeError("Runtime.HandlerNotFound", `${name} is undefined or not exported`);
    if (typeof handler !== "function") throw runtimeError("Runtime.HandlerNotFound", `${name} is not a function`);
    // Node.js 24's runtime has no callbacks: a handler taking three parameters fails its init (B43).
    if (settings.noCallbacks && handler.length >= 3) {
        throw runtimeError(
            "Runtime.CallbackHandlerDeprecated",
            "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later.",
        );
    }
    return handler;
}

function isEsModule(file) {
    if (file.endsWith(".mjs")) return true;
    if (file.endsWith(".cjs")) return false;
    for (let dir = path.dirname(file); dir.startsWith(settings.taskDir); dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
        if (dir === settings.taskDir) break;
    }
    return false;
}

function runtimeError(errorType, errorMessage) {
    const err = new Error(errorMessage);
    err.errorType = errorType;
    return err;
}

function invoke(request) {
    current = request;
    requestId = request.awsRequestId;
    process.env._X_AMZN_TRACE_ID = request.traceId;
    if (!loaded.handler) return respond(request, { ok: false, error: loaded.error });
    const handler = loaded.handler;

    let settled = false;
    let returnedPromise = false;
    // Only the first answer counts; `done`, `succeed`, `fail`, an error and a returned promise answer at once, a
    // callback's value once the event loop is empty when the context says so (B35), as the runtime's does.
    const finish = (err, value) => {
        if (settled) return;
        settled = true;
        process.off("beforeExit", onEmpty);
        if (err === undefined || err === null) return respond(request, { ok: true, value });
        const error = serializeError(err);
        logError("Invoke Error", error);
        respond(request, { ok: false, error });
    };
    let deferred;
    const onEmpty = () => {
        if (deferred) return finish(...deferred);
        // The loop ran dry without an answer: a promise never settled, or a callback never called.
        if (returnedPromise) finish(runtimeError("Runtime.NodeJsExit", NODE_JS_EXIT));
        else finish(null, null);
    };
    const callback = (err, value) => {
        if (settled || deferred) return;
        if (err !== undefined && err !== null) finish(err);
        else if (context.callbackWaitsForEmptyEventLoop) deferred = [null, value];
        else finish(null, value);
    };
    const context = lambdaContext(request, finish);
    // Nothing but the handler's own work keeps the loop alive during an invocation: `beforeExit` tells when it is done.
    process.on("beforeExit", onEmpty);
    try {
        const result = handler(request.event, context, callback);
        if (result && typeof result.then === "function") {
            returnedPromise = true;
            result.then(
                (value) => finish(null, value),
                (err) => finish(err ?? "rejected"),
            );
        } else if (settings.noCallbacks) {
            finish(null, result);
        }
    } catch (err) {
        finish(err);
    }
}

const NODE_JS_EXIT =
    "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.";
/** A synchronous response may be at most 6 MB (B43). */
const MAX_RESPONSE_BYTES = 6_291_556;

function respond(request, outcome) {
    if (current === request) current = undefined;
    // The peak so far: what REPORT's Max Memory Used gives, and what Lambda's limit bounds.
    const rss = peakRss();
    if (rss > settings.memoryLimitBytes) return outOfMemory();
    let json;
    if (outcome.ok) {
        try {
            json = JSON.stringify(outcome.value === undefined ? null : outcome.value);
        } catch (err) {
            outcome = { ok: false, error: { errorType: "Error", errorMessage: "Unable to stringify response body", trace: [String(err)] } };
        }
        if (json !== undefined && json.length * 3 > MAX_RESPONSE_BYTES && Buffer.byteLength(json) > MAX_RESPONSE_BYTES) {
            const message = `Response payload size (${Buffer.byteLength(json)} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
            outcome = { ok: false, error: { errorType: "Function.ResponseSizeTooLarge", errorMessage: message } };
        }
    }
    // The value as its JSON, serialised once, as the runtime posts it.
    if (outcome.ok) writeLine(`{"type":"result","id":${JSON.stringify(request.id)},"ok":true,"maxRssBytes":${rss},"value":${json}}`);
    else send({ type: "result", id: request.id, ok: false, error: outcome.error, maxRssBytes: rss });
    awaitNext();
}

/**
 * The handler's `context` (B35): a literal, then the members of this runtime's kind. Spreading into it made V8 build a
 * slow object on every invocation (10 µs).
 */
function lambdaContext(request, finish) {
    const context = {
        functionName: settings.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: settings.functionArn,
        memoryLimitInMB: settings.memoryLimitInMB,
        awsRequestId: request.awsRequestId,
        logGroupName: settings.logGroupName,
        logStreamName: settings.logStreamName,
        getRemainingTimeInMillis: () => request.deadline - Date.now(),
        clientContext: undefined,
        identity: undefined,
    };
    if (settings.noCallbacks) {
        context.xRayTraceId = request.traceId;
    } else {
        context.callbackWaitsForEmptyEventLoop = true;
        context.done = finish;
        context.succeed = (value) => finish(null, value);
        context.fail = (err) => finish(err === undefined || err === null ? "handled" : err);
    }
    return context;
}

function serializeError(err) {
    if (err instanceof Error) {
        return { errorType: err.errorType ?? err.name ?? "Error", errorMessage: err.message, trace: String(err.stack ?? "").split("\n") };
    }
    // A thrown non-Error: its type and its text, as the runtime reports it.
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

/**
 * Lambda ends an environment whose memory passes its size (B43). The heap flags bound V8's heap only; this bounds
 * the whole process, buffers included, checked often enough to catch a runaway allocation loop, and again as each
 * invocation answers.
 */
function watchMemory(limitBytes) {
    setInterval(() => {
        const rss = process.memoryUsage.rss();
        sampledPeak = Math.max(sampledPeak, rss);
        if (rss > limitBytes) outOfMemory();
    }, 20).unref();
}

/** getrusage's maxRSS as this process started: Linux carries the spawning process's peak across exec into it. */
const INHERITED_MAX_RSS = process.resourceUsage().maxRSS * 1024;
let sampledPeak = 0;
let statusFd;
try {
    statusFd = fs.openSync("/proc/self/status", "r");
} catch {
    // Not Linux: the watchdog's samples and the resident size now stand for the peak.
}
const statusBuffer = Buffer.alloc(4096);

/**
 * This process's own peak resident memory. getrusage's maxRSS (one cheap call) is it once it passes the inherited
 * peak; below that it may be the local cloud's own, so the kernel's VmHWM of this process is read instead.
 */
function peakRss() {
    const maxRss = process.resourceUsage().maxRSS * 1024;
    if (maxRss > INHERITED_MAX_RSS) return maxRss;
    if (statusFd !== undefined) {
        const length = fs.readSync(statusFd, statusBuffer, 0, statusBuffer.length, 0);
        const kilobytes = /VmHWM:\s+(\d+) kB/.exec(statusBuffer.toString("latin1", 0, length))?.[1];
        if (kilobytes !== undefined) return Number(kilobytes) * 1024;
    }
    return Math.max(sampledPeak, process.memoryUsage.rss());
}

function outOfMemory() {
    send({ type: "out-of-memory" });
    process.kill(process.pid, "SIGKILL");
}

const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;

// An unhandled rejection or an uncaught exception fails the invocation under way and ends the environment (B37),
// as the runtime interface client does: the error goes to the caller first, then the process exits.
process.on("unhandledRejection", (reason) => {
    const error = {
        errorType: "Runtime.UnhandledPromiseRejection",
        errorMessage: String(reason),
        trace: reason && reason.stack ? String(reason.stack).split("\n") : [],
    };
    fatal("Unhandled Promise Rejection", error, 128);
});
process.on("uncaughtException", (err) => {
    const error = serializeError(err);
    fatal("Uncaught Exception", error, 129);
});

/** The runtime's ERROR line for a failure: `Invoke Error \t{"errorType", "errorMessage", "stack"}` (B37, B41). */
function logError(what, error) {
    console.error(what, `\t${JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace })}`);
}

function fatal(what, error, status) {
    logError(what, error);
    const request = current;
    current = undefined;
    if (request) send({ type: "result", id: request.id, ok: false, error, exitStatus: status });
    else send({ type: "exiting", exitStatus: status });
    process.exit(status);
}

// A terminal's Ctrl-C is for the local cloud, which stops every environment itself; Lambda's runtime never sees one.
process.on("SIGINT", () => undefined);

init();
