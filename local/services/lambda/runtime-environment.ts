import * as path from "node:path";
import type { FunctionSpec } from "../../graph/specs";

/**
 * The variables Lambda sets itself and refuses in a function's configuration (B42): a program setting one fails to
 * deploy, so it fails to start locally too.
 */
export const RESERVED_VARIABLES = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/** A function's own variables may take at most 4 KB, names and values together (B42). */
export const MAX_VARIABLES_BYTES = 4 * 1024;

/** Why AWS would refuse this function's environment variables, or undefined when it would accept them. */
export function environmentProblem(fn: Pick<FunctionSpec, "name" | "environment">): string | undefined {
    const reserved = Object.keys(fn.environment).filter((name) => RESERVED_VARIABLES.includes(name));
    if (reserved.length > 0) {
        return (
            `function ${fn.name}: Lambda reserves the environment variable${reserved.length > 1 ? "s" : ""} ${reserved.join(", ")} ` +
            `and refuses to deploy a function that sets ${reserved.length > 1 ? "them" : "it"}; remove ${reserved.length > 1 ? "them" : "it"} from its environment.`
        );
    }
    const bytes = Object.entries(fn.environment).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > MAX_VARIABLES_BYTES) {
        return `function ${fn.name}: its environment variables take ${bytes} bytes, over Lambda's 4 KB; keep large settings in SSM or S3 instead.`;
    }
    return undefined;
}

export interface EnvironmentPlace {
    region: string;
    /** The task root, the function's unpacked code (/var/task on AWS). */
    taskDir: string;
    /** Where the runtime itself lives (/var/runtime on AWS): the bootstrap, and the SDK it provides. */
    runtimeDir: string;
    /** This environment's own temporary folder (/tmp on AWS). */
    tmpDir: string;
    logStreamName: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    /** What only the local cloud sets: its service endpoints. */
    local: Record<string, string>;
}

/**
 * The process environment of one execution environment, as the Node.js runtime defines it (B42): the function's own
 * variables over the unreserved defaults, the reserved ones over both. Nothing of the local cloud's own process leaks
 * in. Paths that name /var/task, /var/runtime or /var/lang on AWS name their local counterparts.
 */
export function runtimeVariables(fn: FunctionSpec, place: EnvironmentPlace): Record<string, string> {
    const nodeBin = path.dirname(process.execPath);
    const unreserved = {
        PATH: [nodeBin, "/usr/local/bin", "/usr/bin/", "/bin", "/opt/bin"].join(path.delimiter),
        LANG: "en_US.UTF-8",
        TZ: ":UTC",
        LD_LIBRARY_PATH: ["/lib64", "/usr/lib64", place.runtimeDir, place.taskDir, path.join(place.taskDir, "lib"), "/opt/lib"].join(
            path.delimiter,
        ),
        NODE_PATH: [path.join(place.runtimeDir, "node_modules"), place.runtimeDir, place.taskDir].join(path.delimiter),
        AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
        AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
        _AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129",
        _AWS_XRAY_DAEMON_PORT: "2000",
        PWD: place.taskDir,
        SHLVL: "0",
        // os.tmpdir() reads it: the nearest this machine allows to a /tmp of the environment's own (B43).
        TMPDIR: place.tmpDir,
    };
    const reserved = {
        _HANDLER: fn.handler,
        AWS_REGION: place.region,
        AWS_DEFAULT_REGION: place.region,
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: place.logStreamName,
        AWS_ACCESS_KEY_ID: place.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: place.credentials.secretAccessKey,
        AWS_SESSION_TOKEN: place.credentials.sessionToken,
        LAMBDA_TASK_ROOT: place.taskDir,
        LAMBDA_RUNTIME_DIR: place.runtimeDir,
        // Set only with the JSON format, the advanced logging controls (B41).
        ...(fn.logFormat === "JSON" ? { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel ?? "INFO" } : {}),
    };
    return { ...unreserved, ...place.local, ...fn.environment, ...reserved };
}

/**
 * The flags the runtime's bootstrap starts Node.js with (B43): the garbage collector exposed, 80 KB headers, the
 * heap sized from the memory size, and on Node.js 20 and 22 two experimental module features turned off.
 */
export function nodeFlags(fn: Pick<FunctionSpec, "memorySize" | "runtime">): string[] {
    const major = nodeMajor(fn.runtime);
    const experimental = [
        ...(major === 20 || major === 22 ? ["--no-experimental-require-module"] : []),
        ...(major === 22 ? ["--no-experimental-detect-module"] : []),
    ];
    // An older Node.js on this machine may not know a flag the runtime's newer one takes; leaving it out beats not starting.
    return [
        "--expose-gc",
        "--max-http-header-size=81920",
        ...heapFlags(fn.memorySize),
        ...experimental.filter((flag) => process.allowedNodeEnvironmentFlags.has(flag)),
    ];
}

/**
 * The heap flags the Node.js runtime's bootstrap derives from the memory size (B43): a tenth for the young
 * generation, half of that per semi-space, the rest for the old generation.
 */
export function heapFlags(memorySizeMb: number): string[] {
    const newSpace = Math.floor(memorySizeMb / 10);
    return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySizeMb - newSpace}`];
}

/** `2026/12/02/[$LATEST]<32 hex>`, a log stream's name for an environment started now. */
export function logStreamName(now: Date, id: string): string {
    return `${now.toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${id.replace(/-/g, "")}`;
}

/** The Node.js major a Lambda runtime names: `nodejs22.x` → 22; 0 for another runtime. */
export const nodeMajor = (runtime: string): number => Number(/^nodejs(\d+)/.exec(runtime)?.[1] ?? 0);
