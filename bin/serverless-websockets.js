#!/usr/bin/env node
// The `serverless-websockets` command. In a checkout of this repository it runs the TypeScript sources, transpiled
// by tsx (esbuild) without a type check (`npm test` checks their types; the programs it runs are type-checked by the
// CLI itself, as `pulumi up` would), so a stale build is never run. tsx keeps each transpiled file keyed by its
// content, so a start loads neither TypeScript nor esbuild for files unchanged since the last. The installed
// package has no sources and runs the build in dist/.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const source = path.join(root, "local", "cli", "main.ts");
let cli;
if (fs.existsSync(source)) {
    // Our tsconfig.json, not whichever one tsx would find above the working directory (a program's folder).
    const given = process.env.TSX_TSCONFIG_PATH;
    process.env.TSX_TSCONFIG_PATH = path.join(root, "tsconfig.json");
    require("tsx/cjs/api").register();
    if (given === undefined) delete process.env.TSX_TSCONFIG_PATH;
    else process.env.TSX_TSCONFIG_PATH = given;
    cli = require(source);
} else {
    cli = require(path.join(root, "dist", "local", "cli", "main.js"));
}
cli.runCli(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code);
});
