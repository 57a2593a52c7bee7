#!/usr/bin/env node
// Type-checks a Pulumi program as `pulumi up` would before running it: the TypeScript that @pulumi/pulumi picks for
// that folder, the folder's tsconfig.json with Pulumi's compiler defaults laid over it (as pulumi-host.js registers
// ts-node), and only the files the entry file reaches. Plain JavaScript, run beside the recording in a child process
// of its own, so the two share no compiler state and use both cores.
//
// Most of a check is parsing declarations (@pulumi/aws alone is thousands of files), which TypeScript's incremental
// build info does not save. So a passing check also writes a stamp: every file the compiler read (sources,
// declarations, lib files, the tsconfig chain), stamped as file-stamps.js says. A later start whose files all match
// passes without loading TypeScript.
//
// usage: node local/record/type-check.js <programDir> <entryFile> <stampFile>
// exit 0: no errors; exit 1: the diagnostics, formatted as tsc prints them, on stderr.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { dependencyFiles, stampsOf, stampsHold } = require("./file-stamps");
const { pulumiTypeScript } = require("./pulumi-typescript");

/** What makes a stamp valid besides its files: the entry, the environment Pulumi reads, this script's version. */
const stampKey = (entry) => JSON.stringify({ entry, tsconfig: process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? null, version: 2 });

/** Whether every file of the last passing check is as it was then. */
function stampHolds(stampFile, entry) {
    try {
        const stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
        return stamp.key === stampKey(entry) && stampsHold(stamp.files);
    } catch {
        return false;
    }
}

function main() {
    const startedAt = Date.now();
    const args = process.argv.slice(2);
    if (args.length !== 3) throw new Error("usage: node local/record/type-check.js <programDir> <entryFile> <stampFile>");
    const [programDir, entry, stampFile] = args.map((arg) => path.resolve(arg));
    if (stampHolds(stampFile, entry)) {
        process.stdout.write("unchanged\n");
        return;
    }
    const { ts, tsConfigPath, hasTsConfig, compilerOptions } = pulumiTypeScript(programDir);
    const base = hasTsConfig
        ? ts.getParsedCommandLineOfConfigFile(tsConfigPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })
        : undefined;
    const options = {
        ...(base ? base.options : {}),
        // Pulumi passes sourceMap as the string "true", which ts-node accepts and the compiler API does not.
        ...ts.convertCompilerOptionsFromJson({ ...compilerOptions, sourceMap: true }, programDir).options,
        noEmit: true,
        incremental: true,
        tsBuildInfoFile: path.join(programDir, ".local", "typecheck.tsbuildinfo"),
    };
    fs.mkdirSync(path.dirname(options.tsBuildInfoFile), { recursive: true });
    const program = ts.createIncrementalProgram({ rootNames: [entry], options });
    // The builder's own diagnostics: for files unchanged since the build info, they come from it, not the checker.
    const diagnostics = [
        ...program.getConfigFileParsingDiagnostics(),
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...program.getSyntacticDiagnostics(),
        ...program.getSemanticDiagnostics(),
    ].filter((d) => d.category === ts.DiagnosticCategory.Error);
    program.emit();
    if (diagnostics.length > 0) {
        fs.rmSync(stampFile, { force: true });
        const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => programDir, getNewLine: () => "\n" };
        process.stderr.write(ts.formatDiagnostics(diagnostics, host));
        process.exit(1);
    }
    const read = [
        ...program
            .getProgram()
            .getSourceFiles()
            .map((f) => path.resolve(f.fileName)),
        ...(hasTsConfig ? [tsConfigPath, ...((base && base.options.configFile && base.options.configFile.extendedSourceFiles) || [])] : []),
        // A newly installed package (an @types one, say) changes resolution without changing any file read so far.
        ...dependencyFiles(programDir),
    ];
    const files = stampsOf(read, startedAt);
    // A file edited while the check ran: the next start checks again rather than trust what this one read.
    if (files) fs.writeFileSync(stampFile, JSON.stringify({ key: stampKey(entry), files }));
    else fs.rmSync(stampFile, { force: true });
    process.stdout.write("checked\n");
}

try {
    main();
} catch (err) {
    process.stderr.write(`type-check: ${err && err.message ? err.message : err}\n`);
    process.exit(2);
}
