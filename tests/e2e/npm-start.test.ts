import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import { localCredentials } from "../../local/services/credentials";
import { eventually, rows, TestClient } from "../support/local";
import { ROOT } from "../support/record";

const CHAT = path.join(ROOT, "examples", "chat");

describe("npm start", () => {
    // Runs even when a test times out, so no server outlives the suite.
    const groups: number[] = [];
    afterEach(() => {
        for (const pgid of groups.splice(0)) {
            try {
                process.kill(-pgid, "SIGKILL");
            } catch {
                // already gone
            }
        }
    });

    it("serves examples/chat, and on SIGINT closes every client with 1001, runs $disconnect for each, and exits 0", async function () {
        this.timeout(90_000);
        const state = path.join(CHAT, ".local", "state");
        fs.rmSync(state, { recursive: true, force: true });
        // Its own process group, so the test can find the process npm runs and clean up the whole group after.
        const child = spawn("npm", ["start", "--", CHAT, "--port", "0", "--persist", "--quiet"], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        groups.push(child.pid!);
        // npm's `sh -c` passes no signal on, so Ctrl-C's SIGINT is sent to the node process itself; npm then exits
        // with that process's status.
        const interruptServer = () => {
            const pid = execFileSync("pgrep", ["-g", String(child.pid), "-f", "^node .*bin/serverless-websockets\\.js"], {
                encoding: "utf8",
            })
                .trim()
                .split("\n")[0];
            process.kill(Number(pid), "SIGINT");
        };
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        try {
            await eventually(() => /Ready in/.test(stdout), 60_000, `npm start to be ready:\n${stdout}`);
            const url = /url\s*: "(ws:\/\/[^"]+)"/.exec(stdout)![1];
            // The chat API speaks the channel protocol, so the uploads page is served for it, pointed at it.
            const page = /^Page: (http:\/\/127\.0\.0\.1:\d+\/\?url=(\S+))$/m.exec(stdout);
            expect(page?.[2], `a Page: line in\n${stdout}`).to.equal(url);
            const served = await fetch(page![1]);
            expect(served.status).to.equal(200);
            expect(await served.text()).to.include('<script src="app.js"></script>');
            const connected = await Promise.all([1, 2, 3].map(() => TestClient.open(url)));
            const outputs = JSON.parse(fs.readFileSync(path.join(CHAT, ".local", "outputs.json"), "utf8")) as {
                tables: string[];
                dynamodbEndpoint: string;
            };
            const live = new DynamoDBClient({ endpoint: outputs.dynamodbEndpoint, region: "us-east-1", credentials: localCredentials() });
            await eventually(async () => (await rows(live, outputs.tables[0])).length === 3, 10_000, "three rows");
            live.destroy();

            interruptServer();
            for (const client of connected) {
                expect(await client.closed).to.deep.equal({ code: 1001, reason: "Going away" });
            }
            expect(await exited).to.equal(0);

            // The persisted table is empty: each client's $disconnect ran before the process exited.
            const server = dynalite({ path: path.join(state, "dynamodb") });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const reopened = new DynamoDBClient({
                endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                region: "us-east-1",
                credentials: localCredentials(),
            });
            try {
                expect(await rows(reopened, outputs.tables[0])).to.deep.equal([]);
            } finally {
                reopened.destroy();
                await new Promise<void>((resolve) => server.close(() => resolve()));
            }
        } finally {
            fs.rmSync(state, { recursive: true, force: true });
        }
    });
});
