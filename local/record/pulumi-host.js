#!/usr/bin/env node
// Loads a Pulumi program the way the Pulumi CLI's Node.js language host does (@pulumi/pulumi/cmd/run/run.js,
// CommonJS branch): in the program's folder, with the typescript and ts-node that @pulumi/pulumi's own tsutils
// picks, the folder's tsconfig.json and the same compiler defaults, type-checking unless `noCheck`. Then it
// records the program under AwsMocks. Plain JavaScript, because it must register TypeScript before any .ts loads.
//
// usage: node local/record/pulumi-host.js <programDir> [--stack dev] [--out file.json]
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { packageRoot, pulumiTypeScript } = require("./pulumi-typescript");
const { watchProgramInputs } = require("./program-inputs");

function parseArgs(argv) {
    const args = { programDir: undefined, stack: "dev", out: undefined };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") args.stack = argv[++i];
        else if (argv[i] === "--out") args.out = path.resolve(argv[++i]);
        else args.programDir = path.resolve(argv[i]);
    }
    if (!args.programDir) throw new Error("usage: pulumi-host.js <programDir> [--stack dev] [--out file.json]");
    return args;
}

/** Mirrors run.js: same require strings, same options, same precedence of tsconfig over the defaults. */
function registerTypeScriptLikePulumi(programDir) {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(programDir), "package.json"), "utf8"));
    if (manifest.type === "module") {
        throw new Error("ES-module programs load through ts-node/esm hooks in Pulumi; this host loads CommonJS programs only.");
    }
    const setup = pulumiTypeScript(programDir);
    const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : setup.ownOptions.noCheck;
    const tsnode = require(setup.tsnodePath);
    tsnode.register({
        compiler: setup.typescriptRequire,
        transpileOnly,
        project: setup.tsConfigPath,
        skipProject: !setup.hasTsConfig,
        compilerOptions: setup.compilerOptions,
    });
    return {
        typescript: { version: setup.ts.version, path: setup.typescriptPath },
        tsNode: { version: tsnode.VERSION, path: setup.tsnodePath },
        typeChecked: !transpileOnly,
    };
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const inputs = watchProgramInputs();
    process.chdir(args.programDir);
    const loader = registerTypeScriptLikePulumi(args.programDir);
    const { readStackSettings } = require("./stack-settings");
    const { recordProgram } = require("./record-program");
    const settings = readStackSettings(args.programDir, args.stack);
    let finished = false;
    process.on("beforeExit", () => {
        if (!finished) {
            console.error(
                "pulumi-host: the program stopped before its resources finished registering (a closure that cannot be serialized?)",
            );
            process.exit(1);
        }
    });
    const program = await recordProgram(settings, () => require(settings.main));
    finished = true;
    const text = JSON.stringify({ loader, program, inputs: inputs.collect() });
    if (args.out) fs.writeFileSync(args.out, text);
    else process.stdout.write(text + "\n");
}

process.on("unhandledRejection", (err) => {
    console.error(`pulumi-host: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
});
main().catch((err) => {
    console.error(`pulumi-host: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
});
