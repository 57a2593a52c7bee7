import * as fs from "node:fs";
import * as path from "node:path";
import { entryFile, typeCheckInChild } from "../record/type-check-in-child";
import { recordInChild } from "../record/record-in-child";
import { readStackSettings } from "../record/stack-settings";
import { LOCAL_CREDENTIALS } from "../services/credentials";
import type { DevArgs } from "./args";
import { CliError } from "./cli-error";
import { writeOutputsFile } from "./outputs-file";
import { outputsBlock, resourceTree } from "./resource-tree";

/** Checks what an operator can get wrong before anything starts, each failure naming its fix. */
function preflight(args: DevArgs, programDir: string): string {
    if (!fs.existsSync(programDir) || !fs.statSync(programDir).isDirectory()) {
        throw new CliError(`No such folder: ${programDir}\nGive the folder of a Pulumi program: serverless-websockets dev path/to/program`);
    }
    if (!fs.existsSync(path.join(programDir, "Pulumi.yaml"))) {
        throw new CliError(
            `${programDir} is not a Pulumi program: it has no Pulumi.yaml.\nRun from the program's folder, or pass it: serverless-websockets dev path/to/program`,
        );
    }
    if (args.stack !== "dev" && !fs.existsSync(path.join(programDir, `Pulumi.${args.stack}.yaml`))) {
        throw new CliError(
            `Stack "${args.stack}" has no Pulumi.${args.stack}.yaml in ${programDir}.\nCreate it (pulumi stack init ${args.stack}), or start another stack: --stack dev`,
        );
    }
    try {
        require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] });
    } catch {
        throw new CliError(
            `${programDir} cannot load @pulumi/pulumi: its dependencies are not installed.\nInstall them: (cd ${programDir} && npm install)`,
        );
    }
    return entryFile(readStackSettings(programDir, args.stack).main);
}

/** A failed recording as the program's own error, without the loader's stack unless `verbose`. */
function recordingError(err: unknown, verbose: boolean): CliError {
    const message = err instanceof Error ? err.message : String(err);
    if (verbose) return new CliError(message);
    const lines = message.split("\n");
    const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
    return new CliError([...lines.slice(0, firstFrame < 0 ? lines.length : firstFrame), "(--verbose shows the stack trace)"].join("\n"));
}

/**
 * `serverless-websockets dev`: type-checks the program beside recording it (two child processes, two cores), then
 * brings its graph up and serves it until SIGINT or SIGTERM.
 */
export async function runDev(args: DevArgs, cwd: string): Promise<void> {
    const programDir = path.resolve(cwd, args.programDir);
    const started = Date.now();
    const entry = preflight(args, programDir);
    const typeCheck = args.transpileOnly ? undefined : typeCheckInChild(programDir, entry);
    const recording = recordInChild(programDir, { stack: args.stack, typeCheck: false });
    // The emulators' modules load while the children work: all three take a while, on different cores.
    // (A require, not import(): under nodenext a CommonJS file's import() stays an ES-module import.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startLocalCloud } = require("../cloud") as typeof import("../cloud");
    // Both failing is one report: the type errors, which are the likelier cause of the other.
    const [checked, recorded] = await Promise.allSettled([typeCheck, recording]);
    if (checked.status === "rejected") throw new CliError(`Could not type-check ${programDir}: ${String(checked.reason)}`);
    const check = checked.value;
    if (check && !check.ok) {
        throw new CliError(
            `${check.diagnostics}\n\nThe program has type errors, so \`pulumi up\` would refuse it; fix them, or start with --transpile-only.`,
        );
    }
    if (recorded.status === "rejected") throw recordingError(recorded.reason, args.verbose);
    const typeChecked = check ? (check.checked ? "type-checked" : "type check unchanged") : "not type-checked";
    const { program } = recorded.value;

    const log = args.quiet ? () => undefined : (line: string) => console.log(line);
    const cloud = await startLocalCloud(program, {
        port: args.port,
        persistDir: args.persist ? path.join(programDir, ".local", "state") : undefined,
        latencyMs: args.latencyMs,
        log,
    }).catch((err: unknown) => {
        throw new CliError(err instanceof Error ? err.message : String(err));
    });
    const outputsFile = writeOutputsFile(programDir, cloud);

    if (!args.quiet) {
        console.log(`Local cloud: ${program.project} (stack ${program.stack}, ${program.region})\n`);
        console.log(resourceTree(cloud) + "\n");
    }
    console.log(outputsBlock(cloud.outputs));
    console.log(
        `\nS3 ${cloud.s3Endpoint}  DynamoDB ${cloud.dynamodbEndpoint}  Lambda ${cloud.lambdaEndpoint}  (credentials ${LOCAL_CREDENTIALS.accessKeyId}/${LOCAL_CREDENTIALS.secretAccessKey})`,
    );
    console.log(`Outputs also in ${path.relative(cwd, outputsFile) || "outputs.json"}.`);
    console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${typeChecked}). Press Ctrl-C to stop.`);

    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: closing every client with 1001 and running their $disconnect…`);
        cloud.stop().then(
            () => process.exit(0),
            (err: unknown) => {
                console.error(`could not stop cleanly: ${String(err)}`);
                process.exit(1);
            },
        );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
}
