import * as path from "node:path";
import { ResourceGraph } from "../graph/resource-graph";
import { loadProgram } from "../record/load-program";
import type { RecordedProgram } from "../record/record-program";
import { RESOURCE_TYPES } from "../record/resource-types";
import { localCredentials } from "../services/credentials";
import { describeFaults } from "../services/faults";
import type { DevArgs } from "./args";
import { CliError } from "./cli-error";
import { writeOutputsFile } from "./outputs-file";
import { outputsBlock, resourceTree } from "./resource-tree";

/** The request log, or only one function's part of it: its invocations and its own output. */
function logFilter(functionName: string | undefined, program: RecordedProgram, print: (line: string) => void): (line: string) => void {
    if (functionName === undefined) return print;
    const graph = new ResourceGraph(program);
    const fn = graph.functionNamed(functionName);
    if (!fn) {
        const names = graph.ofType(RESOURCE_TYPES.function).map((r) => r.name);
        throw new CliError(`The program has no function ${functionName}; --function takes one of: ${names.join(", ")}.`);
    }
    const physical = String(fn.state.name);
    return (line) => {
        // Its own output, a synchronous request line (`→ name`), an asynchronous one (`→ arn:…:function:name:`).
        if (line.startsWith(`[${physical}] `) || line.includes(` → ${physical} `) || line.includes(`:function:${physical}:`)) print(line);
    };
}

/**
 * `serverless-websockets dev`: loads the program as `pulumi up` would (checked, type-checked, recorded), then brings
 * its graph up and serves it until SIGINT or SIGTERM.
 */
export async function runDev(args: DevArgs, cwd: string): Promise<void> {
    const programDir = path.resolve(cwd, args.programDir);
    const started = Date.now();
    const loading = loadProgram(programDir, {
        stack: args.stack,
        typeCheck: !args.transpileOnly,
        verbose: args.verbose,
        cache: args.cache,
    });
    // The emulators' modules load while the children work: all three take a while, on different cores.
    // (A require, not import(): under nodenext a CommonJS file's import() stays an ES-module import.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serveRecording } = require("../cloud") as typeof import("../cloud");
    const { program, typeCheck, recording } = await loading;
    const typeChecked = { checked: "type-checked", unchanged: "type check unchanged", skipped: "not type-checked" }[typeCheck];
    const recorded = { recorded: "recorded", reused: "recording reused" }[recording];
    const log = args.quiet ? () => undefined : logFilter(args.function, program, (line) => console.log(line));
    const cloud = await serveRecording(program, {
        port: args.port,
        persistDir: args.persist ? path.join(programDir, ".local", "state") : undefined,
        latencyMs: args.latencyMs,
        faults: args.faults,
        iam: args.iam,
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
        `\nS3 ${cloud.s3Endpoint}  DynamoDB ${cloud.dynamodbEndpoint}  Lambda ${cloud.lambdaEndpoint}  SQS ${cloud.sqsEndpoint}  (credentials ${localCredentials().accessKeyId}/${localCredentials().secretAccessKey})`,
    );
    for (const page of cloud.pages) {
        console.log(`Page: ${page.url}${cloud.pages.length > 1 ? `  (${page.api})` : ""}`);
    }
    const faults = describeFaults(args.faults);
    if (faults) console.log(`Faults: ${faults} of requests fail as AWS's do.`);
    console.log(
        cloud.iam.enforced
            ? `IAM: each function's calls are allowed by its role's policies only, as on AWS (--iam off turns this off).`
            : `IAM: not enforced (--iam off): every call is allowed.`,
    );
    console.log(`Outputs also in ${path.relative(cwd, outputsFile) || "outputs.json"}.`);
    console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${typeChecked}, ${recorded}). Press Ctrl-C to stop.`);

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
