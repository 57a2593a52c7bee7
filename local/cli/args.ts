import { parseFaults, type FaultModel } from "../services/faults";
import { usageError } from "./cli-error";

export const USAGE = `usage: serverless-websockets <command> [options]

Runs a Pulumi program's resource graph on loopback: API Gateway WebSocket APIs, Lambda, DynamoDB, S3.

Commands:
  dev [programDir]         record the program as \`pulumi up\` would and serve it (default: the current folder)
    --port N               first WebSocket API's port; more APIs take N+1, N+2…; S3 N+100, DynamoDB N+101,
                           Lambda's Invoke API N+102, the uploads page N+103, SQS N+104 (default 3001; 0: any
                           free ports)
    --stack S              reads Pulumi.<S>.yaml (default dev)
    --persist              keep DynamoDB, S3 and SQS data under <programDir>/.local/state across restarts
    --latency MS           delay every @connections and DynamoDB answer by MS, as AWS's network would (default 0)
    --faults SPEC          fail a share of requests as AWS does, e.g. connections=0.1,dynamodb=0.05,functions=0.02:
                           @connections 429/500/dropped clients, DynamoDB throttling/500, crashed invocations
    --iam on|off           deny a function's call its role does not allow, as AWS would (default on)
    --transpile-only       skip the type check that \`pulumi up\` makes (as PULUMI_NODEJS_TRANSPILE_ONLY=true does)
    --no-cache             record the program again; by default the last recording (<programDir>/.local) is reused
                           while no file, environment variable or stack setting it read has changed
    --function NAME        log only this function's requests and output (its resource name, e.g. chat-sendmessage)
    --quiet                print only the outputs, not the resources or each request's log
  upload <file> [key]      put a file into the running local cloud's bucket (key: the file's name)
    --bucket NAME          which bucket, when the program has several (default: the first)
    --dir programDir       the program whose local cloud to use (default: the current folder)
  page <outDir>            write the uploads page (index.html, app.js) to host for a deployed stack
    --url wss://…          the BroadcastWebSocket's URL written into the page (default: none, give ?url= when opening it)

Options for every command:
  --verbose                on an error, show its stack trace too
  --help, -h               this help
  --version                the package's version

In this repository, \`npm start -- [options]\` is \`dev\` and \`npm run upload -- <file>\` is \`upload\`.`;

/** The highest base port whose derived ports (base + 104) are still ports. */
const MAX_BASE_PORT = 65_535 - 104;
const MAX_LATENCY_MS = 60_000;

export interface DevArgs {
    command: "dev";
    programDir: string;
    port: number;
    stack: string;
    persist: boolean;
    latencyMs: number;
    faults: FaultModel;
    /** IAM enforced on the functions' calls. */
    iam: boolean;
    transpileOnly: boolean;
    /** Reuse the last recording while nothing it read has changed. */
    cache: boolean;
    quiet: boolean;
    /** Log only this function's lines. */
    function?: string;
    verbose: boolean;
}

export interface UploadArgs {
    command: "upload";
    file: string;
    key?: string;
    bucket?: string;
    programDir: string;
    verbose: boolean;
}

export interface PageArgs {
    command: "page";
    outDir: string;
    /** The WebSocket API's URL, written into the page. */
    url?: string;
    verbose: boolean;
}

export type CliArgs = DevArgs | UploadArgs | PageArgs | { command: "help"; verbose: boolean } | { command: "version"; verbose: boolean };

/** Parses the command line strictly: every flag known, every value present and in range, no stray arguments. */
export function parseCliArgs(argv: string[]): CliArgs {
    const verbose = argv.includes("--verbose");
    const rest = argv.filter((arg) => arg !== "--verbose");
    if (rest.length === 0 || rest.includes("--help") || rest.includes("-h")) return { command: "help", verbose };
    if (rest.includes("--version")) return { command: "version", verbose };
    const [command, ...options] = rest;
    if (command === "dev") return { ...parseDev(options), verbose };
    if (command === "upload") return { ...parseUpload(options), verbose };
    if (command === "page") return { ...parsePage(options), verbose };
    throw usageError(`unknown command "${command}"; the commands are dev, upload and page.`);
}

/** Walks the options, handing each flag's value to `take`; positional arguments go to `positional`. */
function walk(options: string[], flags: Record<string, ((value: string) => void) | (() => void)>, positional: (arg: string) => void): void {
    for (let i = 0; i < options.length; i++) {
        const arg = options[i];
        if (!arg.startsWith("-") || arg === "-") {
            positional(arg);
            continue;
        }
        const handler = flags[arg];
        if (!handler) throw usageError(`unknown option ${arg}.`);
        if (handler.length === 0) {
            (handler as () => void)();
            continue;
        }
        const value = options[++i];
        if (value === undefined || (value.startsWith("--") && value.length > 2)) throw usageError(`${arg} needs a value.`);
        (handler as (value: string) => void)(value);
    }
}

function wholeNumber(flag: string, value: string, min: number, max: number, what: string): number {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`${flag} takes ${what} from ${min} to ${max}; got "${value}".`);
    return n;
}

function parseDev(options: string[]): Omit<DevArgs, "verbose"> {
    const args: Omit<DevArgs, "verbose"> = {
        command: "dev",
        programDir: ".",
        port: 3001,
        stack: "dev",
        persist: false,
        latencyMs: 0,
        faults: {},
        iam: true,
        transpileOnly: false,
        cache: true,
        quiet: false,
    };
    let dirGiven = false;
    walk(
        options,
        {
            "--port": (v) => (args.port = wholeNumber("--port", v, 0, MAX_BASE_PORT, "a port")),
            "--stack": (v) => {
                if (!/^[A-Za-z0-9._-]+$/.test(v)) throw usageError(`--stack takes a stack name (letters, digits, . _ -); got "${v}".`);
                args.stack = v;
            },
            "--latency": (v) => (args.latencyMs = wholeNumber("--latency", v, 0, MAX_LATENCY_MS, "milliseconds")),
            "--faults": (v) => {
                try {
                    args.faults = parseFaults(v);
                } catch (err) {
                    throw usageError(err instanceof Error ? err.message : String(err));
                }
            },
            "--iam": (v) => {
                if (v !== "on" && v !== "off") throw usageError(`--iam takes on or off; got "${v}".`);
                args.iam = v === "on";
            },
            "--persist": () => (args.persist = true),
            "--transpile-only": () => (args.transpileOnly = true),
            "--no-cache": () => (args.cache = false),
            "--quiet": () => (args.quiet = true),
            "--function": (v) => (args.function = v),
        },
        (arg) => {
            if (dirGiven) throw usageError(`dev takes one program folder; got "${args.programDir}" and "${arg}".`);
            args.programDir = arg;
            dirGiven = true;
        },
    );
    return args;
}

function parseUpload(options: string[]): Omit<UploadArgs, "verbose"> {
    const positional: string[] = [];
    const args: Omit<UploadArgs, "verbose"> = { command: "upload", file: "", programDir: "." };
    walk(options, { "--bucket": (v) => (args.bucket = v), "--dir": (v) => (args.programDir = v) }, (arg) => positional.push(arg));
    if (positional.length === 0) throw usageError("upload needs a file: serverless-websockets upload <file> [key].");
    if (positional.length > 2) throw usageError(`upload takes a file and a key; got ${positional.length} arguments.`);
    [args.file, args.key] = positional;
    return args;
}

function parsePage(options: string[]): Omit<PageArgs, "verbose"> {
    const positional: string[] = [];
    const args: Omit<PageArgs, "verbose"> = { command: "page", outDir: "" };
    walk(
        options,
        {
            "--url": (v) => {
                if (!/^wss?:\/\/[^\s"<>]+$/.test(v) || v.length > 2_048) {
                    throw usageError(`--url takes the API's WebSocket URL (wss://… or ws://…); got "${v}".`);
                }
                args.url = v;
            },
        },
        (arg) => positional.push(arg),
    );
    if (positional.length !== 1) throw usageError("page needs one output folder: serverless-websockets page <outDir> [--url wss://…].");
    args.outDir = positional[0];
    return args;
}
