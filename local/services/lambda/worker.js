// One Lambda execution environment, run in a worker thread: it loads the function's deployed code the way the
// Node.js Lambda runtime does (CommonJS or ES module, `file.export` handler), then runs invocations one at a time.
// Plain JavaScript: a worker thread cannot load TypeScript without a loader, and the code it runs is already JS.
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
require("./intercept-execute-api.js").install(workerData.interceptHosts);

let handlerPromise;

/** Resolves `dir/file.export` against the task root, trying the extensions Lambda tries. */
async function loadHandler() {
    const spec = workerData.handler;
    const dot = spec.lastIndexOf(".");
    if (dot < 1) throw runtimeError("Runtime.MalformedHandlerName", `Bad handler ${spec}: expected FILE.EXPORT`);
    const base = path.join(workerData.taskDir, spec.slice(0, dot));
    const exportName = spec.slice(dot + 1);
    const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
    if (!file) throw runtimeError("Runtime.ImportModuleError", `Error: Cannot find module '${spec.slice(0, dot)}'`);
    let mod;
    try {
        mod = isEsModule(file) ? await import(pathToFileURL(file).href) : require(file);
    } catch (err) {
        throw runtimeError("Runtime.ImportModuleError", String(err && err.stack ? err.stack : err));
    }
    const handler = mod[exportName] ?? (mod.default && mod.default[exportName]);
    if (typeof handler !== "function") {
        throw runtimeError("Runtime.HandlerNotFound", `${path.basename(file)}.${exportName} is undefined or not exported`);
    }
    return handler;
}

function isEsModule(file) {
    if (file.endsWith(".mjs")) return true;
    if (file.endsWith(".cjs")) return false;
    for (let dir = path.dirname(file); dir.startsWith(workerData.taskDir); dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
        if (dir === workerData.taskDir) break;
    }
    return false;
}

function runtimeError(errorType, errorMessage) {
    const err = new Error(errorMessage);
    err.errorType = errorType;
    return err;
}

function lambdaContext(request) {
    return {
        callbackWaitsForEmptyEventLoop: true,
        functionName: workerData.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: workerData.functionArn,
        memoryLimitInMB: String(workerData.memorySize),
        awsRequestId: request.awsRequestId,
        logGroupName: workerData.logGroupName,
        logStreamName: workerData.logStreamName,
        getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
        done: undefined,
        succeed: undefined,
        fail: undefined,
    };
}

/** Runs the handler, async or callback style, and settles with what it returned. */
function runHandler(handler, event, context) {
    return new Promise((resolve, reject) => {
        let settled = false;
        const callback = (err, value) => {
            if (settled) return;
            settled = true;
            if (err) reject(err);
            else resolve(value);
        };
        context.done = callback;
        context.succeed = (value) => callback(null, value);
        context.fail = (err) => callback(err);
        try {
            const result = handler(event, context, callback);
            if (result && typeof result.then === "function") result.then((value) => callback(null, value), callback);
            else if (handler.length < 3) callback(null, result);
        } catch (err) {
            callback(err);
        }
    });
}

function serializeError(err) {
    if (err instanceof Error) {
        return { errorType: err.errorType ?? err.name ?? "Error", errorMessage: err.message, trace: String(err.stack ?? "").split("\n") };
    }
    return { errorType: "Error", errorMessage: typeof err === "string" ? err : JSON.stringify(err), trace: [] };
}

parentPort.on("message", async (request) => {
    try {
        handlerPromise ??= loadHandler();
        const handler = await handlerPromise;
        const value = await runHandler(handler, request.event, lambdaContext(request));
        parentPort.postMessage({ id: request.id, ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) });
    } catch (err) {
        parentPort.postMessage({ id: request.id, ok: false, error: serializeError(err) });
    }
});

// An unhandled rejection in Lambda fails the invocation and restarts the environment: the parent sees the exit.
process.on("unhandledRejection", (reason) => {
    console.error(`Unhandled Promise Rejection: ${reason && reason.stack ? reason.stack : reason}`);
    process.exit(128);
});
