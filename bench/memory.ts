// The local cloud's resident memory, its whole process tree (the gateway's process and every Lambda environment's):
// at rest 5 s after ready, with connections open on an API with a `$connect` function, and after they closed.
import * as fs from "node:fs";
import * as path from "node:path";
import { Clients } from "./clients";
import { processTree, stopProcess, type startProcess } from "./processes";

export interface MemoryFigures {
    connections: number;
    atRestKb: number;
    withConnectionsKb: number;
    afterCloseKb: number;
    /** Processes in the tree at each point. */
    processes: { atRest: number; withConnections: number; afterClose: number };
}

const SETTLE_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The URL of the program's API named `api`, from the outputs file the start wrote. */
function apiUrl(programDir: string, api: string): string {
    const outputs = JSON.parse(fs.readFileSync(path.join(programDir, ".local", "outputs.json"), "utf8")) as {
        apis: { name: string; url: string }[];
    };
    const found = outputs.apis.find((a) => a.name === api);
    if (!found) throw new Error(`memory bench: the program has no API named ${api}`);
    return found.url;
}

export async function memoryFigures(
    programDir: string,
    launch: () => ReturnType<typeof startProcess>,
    quick: boolean,
): Promise<MemoryFigures> {
    const connections = quick ? 200 : 1_000;
    const server = await launch();
    const clients = Clients.start();
    try {
        const tree = () => processTree(server.child);
        await sleep(SETTLE_MS);
        const atRest = await tree();
        const opened = await clients.ask<{ open: number; failed: number }>("connect", {
            url: apiUrl(programDir, "broadcast"),
            n: connections,
        });
        if (opened.open !== connections) throw new Error(`memory bench: ${opened.failed} of ${connections} connections failed`);
        await sleep(SETTLE_MS);
        const open = await tree();
        await clients.ask("close");
        await sleep(SETTLE_MS);
        const closed = await tree();
        return {
            connections,
            atRestKb: atRest.kb,
            withConnectionsKb: open.kb,
            afterCloseKb: closed.kb,
            processes: { atRest: atRest.processes, withConnections: open.processes, afterClose: closed.processes },
        };
    } finally {
        clients.stop();
        await stopProcess(server.child);
    }
}
