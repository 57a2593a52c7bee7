// What a Pulumi program's recording depended on, gathered while it loads (pulumi-host.js), so that a later start
// can reuse the recording only while all of it is unchanged: every file it required or read (and every path it
// looked for and did not find), every environment variable it read, and every file esbuild bundled for it (esbuild
// reads them natively, past Node's fs). Node has no hook that reports a process's reads, so these are wrapped here.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

/**
 * Variables that say how the shell or npm started this process, not what the program is: libraries that scan the
 * whole environment (npm's proxy lookup reads every variable) would otherwise make \`npm start\` and \`npm test\`
 * invalidate each other's recording.
 */
const LAUNCH_VARIABLES = /^(_|SHLVL|PWD|OLDPWD|INIT_CWD|npm_.*)$/;

/** Starts watching; `collect()` returns what was read since, as absolute paths and variable values. */
function watchProgramInputs() {
    const files = new Set();
    const env = new Map();
    const note = (file) => {
        if (typeof file === "string" || file instanceof URL) files.add(path.resolve(file instanceof URL ? file.pathname : file));
    };
    const wrap = (object, name) => {
        const original = object[name];
        object[name] = function (file, ...rest) {
            note(file);
            return original.call(this, file, ...rest);
        };
    };
    for (const name of ["readFileSync", "readFile", "existsSync", "statSync", "stat", "readdirSync", "readdir", "openSync", "open"])
        wrap(fs, name);
    for (const name of ["readFile", "stat", "readdir", "open"]) wrap(fs.promises, name);

    const realEnv = process.env;
    const noteVariable = (key) => {
        if (typeof key === "string" && !env.has(key) && !LAUNCH_VARIABLES.test(key))
            env.set(key, realEnv[key] === undefined ? null : String(realEnv[key]));
    };
    process.env = new Proxy(realEnv, {
        get(target, key) {
            noteVariable(key);
            return Reflect.get(target, key);
        },
        has(target, key) {
            noteVariable(key);
            return Reflect.has(target, key);
        },
    });

    const originalLoad = Module._load;
    Module._load = function (request, parent, isMain) {
        const loaded = originalLoad.call(this, request, parent, isMain);
        return request === "esbuild" ? esbuildNotingInputs(loaded, files) : loaded;
    };

    return {
        collect() {
            for (const file of Object.keys(require.cache)) if (path.isAbsolute(file)) files.add(file);
            return { files: [...files].sort(), env: Object.fromEntries([...env].sort(([a], [b]) => (a < b ? -1 : 1))) };
        },
    };
}

/** esbuild, with every build asked for its metafile, whose inputs are the files it read. */
function esbuildNotingInputs(esbuild, files) {
    const noteInputs = (options, result) => {
        const cwd = (options && options.absWorkingDir) || process.cwd();
        for (const input of Object.keys((result && result.metafile && result.metafile.inputs) || {})) {
            // Inputs are relative to the working directory; a plugin's namespaced ones ("ns:path") are not files.
            if (!/^[a-z-]+:/.test(input)) files.add(path.resolve(cwd, input));
        }
        return result;
    };
    return {
        ...esbuild,
        buildSync: (options) => noteInputs(options, esbuild.buildSync({ ...options, metafile: true })),
        build: (options) => esbuild.build({ ...options, metafile: true }).then((result) => noteInputs(options, result)),
    };
}

module.exports = { watchProgramInputs };
