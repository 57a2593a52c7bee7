// This process uses the SDK only to drive local emulators; its Node.js-version notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import * as path from "node:path";
import { recordInChild } from "../record/record-in-child";
import { LOCAL_CREDENTIALS } from "../services/credentials";
import { writeOutputsFile } from "./outputs-file";
import { outputsBlock, resourceTree } from "./resource-tree";

const USAGE = `usage: npm start -- [programDir] [--port 3001] [--stack dev] [--persist] [--latency 0] [--quiet]

Runs a Pulumi program's resource graph on loopback: API Gateway WebSocket APIs, Lambda, DynamoDB, S3.
  programDir   the Pulumi program (default: .), e.g. examples/chat
  --port N     first WebSocket API's port; more APIs take N+1, N+2…; S3 N+100, DynamoDB N+101,
               Lambda's Invoke API N+102 (default 3001)
  --stack S    reads Pulumi.<S>.yaml (default dev)
  --persist    keep DynamoDB and S3 data under <programDir>/.local/state across restarts
  --latency MS delay every @connections and DynamoDB answer by MS, as AWS's network would (default 0)
  --quiet      print only the outputs, not the resources or each request's log`;

function parseArgs(argv: string[]) {
    const args = { programDir: ".", port: 3001, stack: "dev", persist: false, quiet: false, latencyMs: 0 };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") {
            console.log(USAGE);
            process.exit(0);
        } else if (arg === "--port") {
            args.port = Number(argv[++i]);
            if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_000)
                throw new Error(`--port must be a port number; got ${argv[i]}`);
        } else if (arg === "--stack") {
            args.stack = argv[++i] ?? "";
        } else if (arg === "--latency") {
            // Checked by the local cloud's latency model.
            args.latencyMs = Number(argv[++i]);
        } else if (arg === "--persist") {
            args.persist = true;
        } else if (arg === "--quiet") {
            args.quiet = true;
        } else if (arg.startsWith("-")) {
            throw new Error(`unknown option ${arg}\n${USAGE}`);
        } else {
            args.programDir = arg;
        }
    }
    return args;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const programDir = path.resolve(args.programDir);
    const started = Date.now();
    const recording = recordInChild(programDir, { stack: args.stack, typeCheck: false });
    // The emulators' modules load while the child records the program: both take a while, on different cores.
    // (A require, not import(): under nodenext a CommonJS file's import() stays an ES-module import.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startLocalCloud } = require("../cloud") as typeof import("../cloud");
    const { program } = await recording;
    const log = args.quiet ? () => undefined : (line: string) => console.log(line);
    const cloud = await startLocalCloud(program, {
        port: args.port,
        persistDir: args.persist ? path.join(programDir, ".local", "state") : undefined,
        latencyMs: args.latencyMs,
        log,
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
    console.log(`Outputs also in ${path.relative(process.cwd(), outputsFile) || "outputs.json"}.`);
    console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Press Ctrl-C to stop.`);

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

main().catch((err: unknown) => {
    console.error(`The local cloud could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
