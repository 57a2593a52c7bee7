// What a Pulumi program's recording depended on, gathered while it loads (pulumi-host.js), so that a later start
// can reuse the recording only while all of it is unchanged: every file it required, imported or read (and every
// path it looked for and did not find, the candidates a relative `require` passed over included), each loaded
// module's package.json, every environment variable it read and, if it listed them, their names, and every file
// esbuild bundled for it with the tsconfig.json and package.json files esbuild consults (it reads them natively,
// past Node's fs). Node has no hook that reports a process's reads, so these are wrapped here.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { fileURLToPath } = require("node:url");

/**
 * Variables that say how the shell or npm started this process, not what the program is: libraries that scan the
 * whole environment (npm's proxy lookup reads every variable) would otherwise make `npm start` and `npm test`
 * invalidate each other's recording.
 */
const LAUNCH_VARIABLES = /^(_|SHLVL|OLDPWD|npm_.*)$/;

/** The fs functions (callback, Sync and promise forms) whose first argument is a path read or looked for. */
const READS = ["readFile", "exists", "stat", "lstat", "readdir", "open", "opendir", "access", "realpath", "copyFile", "cp", "readlink"];

/** The names a program listing the environment sees, less the launch variables: what a listing is compared by. */
function environmentNames(env) {
    return Object.keys(env)
        .filter((name) => !LAUNCH_VARIABLES.test(name))
        .sort();
}

/** Loader hooks that tell the main thread each ES module file they load. */
const ESM_HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { if (url.startsWith("file:")) port.postMessage(url); return next(url, context); }`;

/** Starts watching; `collect()` returns what was read since, as absolute paths and variable values. */
function watchProgramInputs() {
    const files = new Set();
    const env = new Map();
    let envNames;
    const note = (file) => {
        if (file instanceof URL) file = file.protocol === "file:" ? fileURLToPath(file) : undefined;
        else if (Buffer.isBuffer(file)) file = file.toString();
        if (typeof file === "string" && file !== "") files.add(path.resolve(file.startsWith("file:") ? fileURLToPath(file) : file));
    };
    const wrap = (object, name) => {
        const original = object[name];
        if (typeof original !== "function") return;
        object[name] = function (file, ...rest) {
            note(file);
            return original.call(this, file, ...rest);
        };
    };
    for (const name of READS) {
        wrap(fs, name);
        wrap(fs, `${name}Sync`);
        wrap(fs.promises, name);
    }

    const realEnv = process.env;
    // A listing counts the variables this process was given, not those the program or Pulumi set since.
    const givenNames = new Set(Object.keys(realEnv));
    const noteVariable = (key) => {
        if (typeof key === "string" && !env.has(key) && !LAUNCH_VARIABLES.test(key))
            env.set(key, realEnv[key] === undefined ? null : String(realEnv[key]));
    };
    // Read before any program code: Node itself takes these at start-up.
    noteVariable("NODE_OPTIONS");
    noteVariable("NODE_PATH");
    process.env = new Proxy(realEnv, {
        get(target, key) {
            noteVariable(key);
            return Reflect.get(target, key);
        },
        has(target, key) {
            noteVariable(key);
            return Reflect.has(target, key);
        },
        ownKeys(target) {
            envNames = environmentNames(target).filter((name) => givenNames.has(name));
            return Reflect.ownKeys(target);
        },
    });

    const originalLoad = Module._load;
    Module._load = function (request, parent, isMain) {
        const loaded = originalLoad.call(this, request, parent, isMain);
        return request === "esbuild" ? esbuildNotingInputs(loaded, note) : loaded;
    };
    const originalResolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, ...rest) {
        // A file that would come before the one found (util.js before util.ts) changes what loads once it exists.
        // Only the program's own requires: a package's files change with the lock file.
        const fromProgram = parent && parent.filename && !parent.filename.split(path.sep).includes("node_modules");
        if (fromProgram && typeof request === "string" && (request.startsWith(".") || path.isAbsolute(request))) {
            const base = path.resolve(path.dirname(parent.filename), request);
            const extensions = Object.keys(Module._extensions);
            for (const candidate of [
                base,
                ...extensions.map((ext) => base + ext),
                path.join(base, "package.json"),
                ...extensions.map((ext) => path.join(base, `index${ext}`)),
            ])
                files.add(candidate);
        }
        return originalResolve.call(this, request, parent, ...rest);
    };
    if (typeof Module.register === "function") {
        const { MessageChannel } = require("node:worker_threads");
        const { port1, port2 } = new MessageChannel();
        port1.on("message", note);
        port1.unref();
        Module.register(`data:text/javascript,${encodeURIComponent(ESM_HOOKS)}`, { data: { port: port2 }, transferList: [port2] });
    }

    return {
        collect() {
            const loaded = Object.keys(require.cache).filter((file) => path.isAbsolute(file));
            for (const file of loaded) files.add(file);
            for (const manifest of nearestManifests(loaded)) files.add(manifest);
            return {
                files: [...files].sort(),
                env: Object.fromEntries([...env].sort(([a], [b]) => (a < b ? -1 : 1))),
                ...(envNames ? { envNames } : {}),
            };
        },
    };
}

/** The package.json nearest each file: its `main`, `exports` and `type` decide what a `require` of it loads. */
function nearestManifests(loaded) {
    const seen = new Map();
    const nearest = (dir) => {
        if (seen.has(dir)) return seen.get(dir);
        const manifest = path.join(dir, "package.json");
        const found = fs.existsSync(manifest) ? manifest : path.dirname(dir) === dir ? undefined : nearest(path.dirname(dir));
        seen.set(dir, found);
        return found;
    };
    return new Set(loaded.map((file) => nearest(path.dirname(file))).filter(Boolean));
}

/**
 * esbuild, with every build asked for its metafile, whose inputs are the files it read, and the configuration files
 * it looks for above each of them.
 */
function esbuildNotingInputs(esbuild, note) {
    const noteInputs = (options, result) => {
        const cwd = (options && options.absWorkingDir) || process.cwd();
        const dirs = new Set();
        for (const input of Object.keys((result && result.metafile && result.metafile.inputs) || {})) {
            // Inputs are relative to the working directory; a plugin's namespaced ones ("ns:path") are not files.
            if (/^[a-z-]+:/.test(input)) continue;
            const file = path.resolve(cwd, input);
            note(file);
            for (let dir = path.dirname(file); !dirs.has(dir); dir = path.dirname(dir)) {
                dirs.add(dir);
                for (const name of ["tsconfig.json", "jsconfig.json", "package.json"]) note(path.join(dir, name));
                if (path.dirname(dir) === dir) break;
            }
        }
        if (options && typeof options.tsconfig === "string") note(path.resolve(cwd, options.tsconfig));
        return result;
    };
    return {
        ...esbuild,
        buildSync: (options) => noteInputs(options, esbuild.buildSync({ ...options, metafile: true })),
        build: (options) => esbuild.build({ ...options, metafile: true }).then((result) => noteInputs(options, result)),
    };
}

module.exports = { watchProgramInputs, environmentNames };
