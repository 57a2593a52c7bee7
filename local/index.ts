// The local cloud's programmatic API (the package's `./local` entry): run any Pulumi program on loopback from a
// test, as `serverless-websockets dev` does from a shell.
import * as path from "node:path";
import { serveRecording, type LocalCloud, type LocalCloudOptions } from "./cloud";
import { ResourceGraph } from "./graph/resource-graph";
import { loadProgram } from "./record/load-program";
import { localCredentials } from "./services/credentials";
import { printedMessage } from "./services/lambda/log-lines";

export type { LocalCloud, LocalCloudOptions, PageEndpoint, WebSocketEndpoint } from "./cloud";
export { eventually } from "./eventually";
export { printedMessage } from "./services/lambda/log-lines";
export { ProgramError } from "./record/program-error";

export interface StartLocalCloudOptions extends Partial<Omit<LocalCloudOptions, "log">> {
    /**
     * The Pulumi program's folder, relative to the working directory.
     * @default "."
     */
    program?: string;
    /**
     * The stack whose `Pulumi.<stack>.yaml` is read.
     * @default "dev"
     */
    stack?: string;
    /**
     * Type-check the program first, as `pulumi up` would; a type error rejects with the compiler's diagnostics.
     * @default true
     */
    typeCheck?: boolean;
    /**
     * Reuse the program's last recording (kept in its `.local` folder) while no file, environment variable or stack
     * setting the recording read has changed; `false` records it again.
     * @default true
     */
    cache?: boolean;
    /**
     * Where each log line also goes (every line is kept in `logs` too).
     * @default nowhere
     */
    log?: (line: string) => void;
}

export interface StartedLocalCloud extends LocalCloud {
    /** The credentials the local S3, DynamoDB and Lambda endpoints accept, for a test's own SDK clients. */
    credentials: { accessKeyId: string; secretAccessKey: string };
    /** Every log line so far: the gateway's and Lambda's notes, and each function's output as `[name] line`. */
    logs: string[];
    /**
     * What a function printed, by its resource name (`chat-sendmessage`) or its physical one: each `console` call's
     * message, without the runtime's `time\trequestId\tLEVEL\t` or its JSON record around it (B41), and without the
     * platform's START, END and REPORT lines. `logs` holds the lines as CloudWatch would show them.
     */
    logsOf(functionName: string): string[];
}

/**
 * Records a Pulumi program as `pulumi up` would and brings its resource graph up on loopback. An API with channels
 * (a `subscribe` route) also gets the uploads page, at `pages[i].url`, for a browser test to load.
 *
 * @example
 * const cloud = await startLocalCloud({ program: ".", port: 0 });
 * try {
 *     const ws = new WebSocket(String(cloud.outputs.url));
 *     // …
 * } finally {
 *     await cloud.stop();
 * }
 */
export async function startLocalCloud(options: StartLocalCloudOptions = {}): Promise<StartedLocalCloud> {
    const { program: programDir = ".", stack, typeCheck, cache, log, ...cloudOptions } = options;
    const { program } = await loadProgram(path.resolve(programDir), { stack, typeCheck, cache });
    const graph = new ResourceGraph(program);
    const logs: string[] = [];
    const cloud = await serveRecording(program, {
        port: 0,
        ...cloudOptions,
        log: (line) => {
            logs.push(line);
            log?.(line);
        },
    });
    return {
        ...cloud,
        credentials: localCredentials(),
        logs,
        logsOf: (functionName) => {
            const fn = graph.functionNamed(functionName);
            const prefix = `[${String(fn?.state.name ?? functionName)}] `;
            return logs.flatMap((line) => {
                const message = line.startsWith(prefix) ? printedMessage(line.slice(prefix.length)) : undefined;
                return message === undefined ? [] : [message];
            });
        },
    };
}
