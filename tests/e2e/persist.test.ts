import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import { localCredentials } from "../../local/services/credentials";
import { eventually, rows, TestClient } from "../support/local";
import { ROOT } from "../support/record";

const PROGRAM = path.join(ROOT, "tests", "fixtures", "segmented");
const STATE = path.join(PROGRAM, ".local", "state");
const CLI = path.join(ROOT, "bin", "serverless-websockets.js");

/** The pids `pgrep` finds: a process group's members (`-g`), or a process's children (`-P`, its environments). */
function pgrep(flag: "-g" | "-P", pid: number): number[] {
    try {
        return execFileSync("pgrep", [flag, String(pid)], { encoding: "utf8" })
            .trim()
            .split("\n")
            .filter(Boolean)
            .map(Number);
    } catch {
        return [];
    }
}

function running(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The rows of a persisted table, read with the local cloud stopped. */
async function persistedRows(table: string): Promise<unknown[]> {
    const server = dynalite({ path: path.join(STATE, "dynamodb") });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: "us-east-1",
        credentials: localCredentials(),
    });
    try {
        return await rows(client, table);
    } finally {
        client.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
}

describe("dev --persist after a hard kill (B46)", function () {
    this.timeout(120_000);
    const started: ChildProcess[] = [];
    afterEach(() => {
        for (const child of started.splice(0)) {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
        }
        fs.rmSync(STATE, { recursive: true, force: true });
    });

    /** The CLI in a process group of its own, as a terminal starts it; resolves once it is ready. */
    const startCli = async () => {
        const child = spawn(process.execPath, [CLI, "dev", PROGRAM, "--port", "0", "--persist", "--transpile-only"], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        started.push(child);
        let output = "";
        child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        await eventually(() => /Ready in/.test(output), 90_000, "the local cloud to be ready");
        const outputs = JSON.parse(fs.readFileSync(path.join(PROGRAM, ".local", "outputs.json"), "utf8")) as {
            outputs: { urls: Record<string, string>; tables: Record<string, string> };
            dynamodbEndpoint: string;
        };
        const dynamodb = new DynamoDBClient({ endpoint: outputs.dynamodbEndpoint, region: "us-east-1", credentials: localCredentials() });
        return { child, output: () => output, outputs: outputs.outputs, dynamodb };
    };

    it("runs $disconnect on start for the connections a killed run left open, and leaves no environment of it running", async () => {
        fs.rmSync(STATE, { recursive: true, force: true });
        const first = await startCli();
        const table = first.outputs.tables.one;
        const clients = await Promise.all([1, 2, 3].map(() => TestClient.open(first.outputs.urls.one)));
        await eventually(async () => (await rows(first.dynamodb, table)).length === 3, 10_000, "three rows");
        first.dynamodb.destroy();
        const environments = pgrep("-P", first.child.pid!);
        expect(environments.length, "the $connect function's warm environment").to.be.at.least(1);

        process.kill(first.child.pid!, "SIGKILL");
        for (const client of clients) expect((await client.closed).code).to.equal(1006);
        // The environments, frozen between invocations, end with it rather than linger.
        await eventually(() => environments.every((pid) => !running(pid)), 10_000, "no environment of the killed run");
        expect(pgrep("-g", first.child.pid!)).to.deep.equal([]);
        expect(await persistedRows(table), "the killed run's rows, whose sockets are gone").to.have.length(3);

        const second = await startCli();
        expect(second.output()).to.match(/one: 3 connection\(s\) of the previous run ended with it, unclosed; running their \$disconnect/);
        expect(await rows(second.dynamodb, table), "the ghosts' $disconnect ran before the API listened").to.deep.equal([]);
        const client = await TestClient.open(second.outputs.urls.one);
        await eventually(async () => (await rows(second.dynamodb, table)).length === 1, 10_000, "the new client's row");
        second.dynamodb.destroy();
        await client.close();
        process.kill(second.child.pid!, "SIGINT");
        await new Promise((resolve) => second.child.once("exit", resolve));
        // A clean stop ran every $disconnect itself: nothing is left for the next start.
        const journal = fs.readFileSync(path.join(STATE, "gateway", "one.jsonl"), "utf8");
        const open = new Set<string>();
        for (const line of journal.split("\n").filter(Boolean)) {
            const entry = JSON.parse(line) as { open?: { connectionId: string }; closed?: string };
            if (entry.open) open.add(entry.open.connectionId);
            if (entry.closed) open.delete(entry.closed);
        }
        expect([...open]).to.deep.equal([]);
    });
});
