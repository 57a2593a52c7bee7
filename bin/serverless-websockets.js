#!/usr/bin/env node
// The `serverless-websockets` command. The CLI is TypeScript run through ts-node, transpile-only: its own types are
// checked by `npm test`, and the programs it runs are type-checked by it, as `pulumi up` would.
"use strict";
require("ts-node").register({ transpileOnly: true, project: require("node:path").join(__dirname, "..", "tsconfig.json") });
require("../local/cli/main.ts")
    .runCli(process.argv.slice(2))
    .then((code) => {
        if (code !== 0) process.exit(code);
    });
