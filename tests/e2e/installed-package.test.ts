import { expect } from "chai";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { recordInChild } from "../../local/record/record-in-child";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { WebSocket } from "ws";
import { archiveSummary } from "../support/archives";
import { eventually, TestClient } from "../support/local";
import { ROOT } from "../support/record";

const run = promisify(execFile);

/** A user's program outside the repository, importing the package by its name and entry points only. */
const CONSUMER_PROGRAM = `import { BroadcastWebSocket, EchoWebSocket, type WebSocketEvent } from "serverless-websockets";
import { broadcasterFromEnvironment, publish } from "serverless-websockets/runtime";

const echo = new EchoWebSocket("echo");

// A route of the user's own that broadcasts through the package's runtime helper.
const room = new BroadcastWebSocket("room", {
    routes: {
        shout: {
            handler: {
                factory: () => {
                    const broadcaster = broadcasterFromEnvironment();
                    return async (event: WebSocketEvent) => {
                        const { text } = JSON.parse(event.body ?? "{}") as { text?: string };
                        await broadcaster.broadcast(JSON.stringify({ shout: text }));
                        return { statusCode: 200 };
                    };
                },
            },
        },
    },
});
room.grantBroadcast("room-shout-broadcast", room.websocket.routes.shout);

// And one that publishes to a channel through the runtime's publish().
const news = new BroadcastWebSocket("news", {
    channels: { unsubscribed: "none" },
    routes: {
        tell: async (event: WebSocketEvent) => {
            const { channel, text } = JSON.parse(event.body ?? "{}") as { channel: string; text: string };
            await publish(channel, { text });
            return { statusCode: 200 };
        },
    },
});
news.grantPublish("news-tell-publish", news.websocket.routes.tell);

export const echoUrl = echo.url;
export const roomUrl = room.url;
export const newsUrl = news.url;
export const bucketName = room.bucketName;
`;

/**
 * Lays the packed tarball out as \`npm install\` would (the package a real folder under node_modules, its bin linked),
 * with every other package linked from this checkout's node_modules: the same versions, and no registry in a test.
 */
function installPackage(tarball: string, consumer: string): void {
    const modules = path.join(consumer, "node_modules");
    const target = path.join(modules, "serverless-websockets");
    fs.mkdirSync(target, { recursive: true });
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (entry === ".bin" || entry === ".package-lock.json" || entry === "serverless-websockets") continue;
        fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
    }
    execFileSyncQuiet("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
    fs.mkdirSync(path.join(modules, ".bin"));
    fs.symlinkSync("../serverless-websockets/bin/serverless-websockets.js", path.join(modules, ".bin", "serverless-websockets"));
}

function execFileSyncQuiet(command: string, args: string[]): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("node:child_process") as typeof import("node:child_process")).execFileSync(command, args, { stdio: "ignore" });
}

describe("the package installed into a program outside the repository", function () {
    this.timeout(180_000);
    let scratch: string;
    let consumer: string;
    before(async () => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sw-installed-"));
        consumer = path.join(scratch, "consumer");
        fs.mkdirSync(consumer);
        // `npm pack` runs the build (prepack) and packs what a user would install.
        const { stdout } = await run("npm", ["pack", "--pack-destination", scratch, "--silent"], {
            cwd: ROOT,
            maxBuffer: 32 * 1024 * 1024,
        });
        const tarball = path.join(scratch, stdout.trim().split("\n").pop()!);
        installPackage(tarball, consumer);
        // What `npm install <tarball> @pulumi/pulumi @pulumi/aws` writes, with the versions this checkout has.
        const version = (name: string) =>
            (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify({
                name: "consumer",
                private: true,
                dependencies: {
                    "serverless-websockets": `file:${tarball}`,
                    "@pulumi/pulumi": version("@pulumi/pulumi"),
                    "@pulumi/aws": version("@pulumi/aws"),
                },
            }),
        );
        fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: consumer\nruntime: nodejs\n");
        fs.writeFileSync(path.join(consumer, "Pulumi.dev.yaml"), "config:\n  aws:region: eu-west-1\n");
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({
                compilerOptions: {
                    strict: true,
                    target: "ES2022",
                    module: "nodenext",
                    moduleResolution: "nodenext",
                    skipLibCheck: true,
                    types: ["node"],
                },
            }),
        );
        fs.writeFileSync(path.join(consumer, "index.ts"), CONSUMER_PROGRAM);
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("holds the build, the bin, the docs and the page's two sources, and no other sources or tests", () => {
        const pkg = path.join(consumer, "node_modules", "serverless-websockets");
        expect(fs.existsSync(path.join(pkg, "dist", "components", "index.d.ts"))).to.equal(true);
        expect(fs.existsSync(path.join(pkg, "docs", "aws-behaviour.md"))).to.equal(true);
        expect(fs.existsSync(path.join(pkg, "docs", "channels.md"))).to.equal(true);
        // The page ships as its two sources, bundled (against dist/client) where it is served or written out.
        expect(fs.readdirSync(path.join(pkg, "page")).sort()).to.deep.equal(["app.ts", "index.html"]);
        expect(fs.existsSync(path.join(pkg, "local")), "sources").to.equal(false);
        expect(fs.existsSync(path.join(pkg, "tests")), "tests").to.equal(false);
        const resolve = createRequire(path.join(consumer, "index.ts")).resolve;
        for (const [entry, file] of [
            ["serverless-websockets", "components/index.js"],
            ["serverless-websockets/runtime", "handlers/index.js"],
            ["serverless-websockets/local", "local/index.js"],
            ["serverless-websockets/testing", "testing/index.js"],
            ["serverless-websockets/client", "client/index.js"],
        ]) {
            expect(resolve(entry), entry).to.equal(path.join(pkg, "dist", file));
        }
    });

    it("builds self-contained archives: one entry under 32 KB each, none requiring this package", async () => {
        const { loader, program } = await recordInChild(consumer);
        expect(loader.typeChecked).to.equal(true);
        const functions = new ResourceGraph(program).ofType(RESOURCE_TYPES.function);
        expect(functions.map((f) => f.name)).to.include.members(["echo-test", "room-shout", "room-fanout", "room-channels", "news-tell"]);
        for (const fn of functions) {
            const { entries, bytes } = archiveSummary(fn);
            expect(entries, fn.name).to.deep.equal(["__index.js"]);
            expect(bytes, fn.name).to.be.at.most(32 * 1024);
            const code = (fn.inputs.code as { archive: { assets: Record<string, { asset: { text: string } }> } }).archive.assets[
                "__index.js"
            ].asset.text;
            expect(code, fn.name).to.not.include("serverless-websockets");
        }
    });

    it("runs on the local cloud through the installed CLI: echo, the user's broadcast, an upload, a publish to the installed client", async () => {
        const cli = path.join(consumer, "node_modules", ".bin", "serverless-websockets");
        const env = { ...process.env };
        delete env.INIT_CWD;
        delete env.npm_package_json;
        // Not quiet: every request is logged, an IAM denial among them.
        const child: ChildProcess = spawn(cli, ["dev", "--port", "0"], {
            cwd: consumer,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        try {
            await eventually(() => /Ready in .* \(type-checked, /.test(output), 120_000, `the installed CLI to be ready:\n${output}`);
            const outputs = JSON.parse(fs.readFileSync(path.join(consumer, ".local", "outputs.json"), "utf8")) as {
                outputs: Record<string, string>;
            };
            const echo = await TestClient.open(outputs.outputs.echoUrl);
            expect(await echo.ask('{"action":"test","echo":"installed"}')).to.equal("Echoing your message: installed");
            await echo.close();

            const [speaker, listener] = await Promise.all([
                TestClient.open(outputs.outputs.roomUrl),
                TestClient.open(outputs.outputs.roomUrl),
            ]);
            speaker.ws.send('{"action":"shout","text":"hello"}');
            expect(JSON.parse(await listener.next(10_000))).to.deep.equal({ shout: "hello" });

            fs.writeFileSync(path.join(consumer, "notes.txt"), "uploaded");
            const upload = await run(cli, ["upload", "notes.txt"], { cwd: consumer, env });
            expect(upload.stdout).to.match(/^uploaded notes\.txt to s3:\/\/room-bucket-[0-9a-f]{7}\/notes\.txt/);
            const announced = JSON.parse(await listener.next(10_000)) as { key?: string; type?: string };
            expect(announced).to.deep.include({ type: "s3", key: "notes.txt" });
            await Promise.all([speaker.close(), listener.close()]);

            // The installed client, as the consumer's code resolves it, hears the user's publish on its channel.
            const clientEntry = createRequire(path.join(consumer, "index.ts")).resolve("serverless-websockets/client");
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { ChannelClient } = require(clientEntry) as typeof import("../../client");
            const subscriber = new ChannelClient({ url: outputs.outputs.newsUrl, WebSocket });
            try {
                const heard = new Promise((resolve) => subscriber.on("notification", resolve));
                await subscriber.subscribe("news/");
                const teller = await TestClient.open(outputs.outputs.newsUrl);
                teller.ws.send('{"action":"tell","channel":"news/today/","text":"published"}');
                expect(await heard).to.deep.equal({ type: "message", channel: "news/today/", data: { text: "published" } });
                await teller.close();
            } finally {
                subscriber.close();
            }
            // The user's own grants (grantBroadcast, grantPublish) suffice under IAM as AWS enforces it.
            expect(output).to.include("IAM: each function's calls are allowed by its role's policies only");
            expect(output.split("\n").filter((line) => line.startsWith("IAM: denied"))).to.deep.equal([]);
        } finally {
            child.kill("SIGINT");
            await new Promise((resolve) => child.once("exit", resolve));
        }
    });

    it("serves the program from a test through the installed serverless-websockets/local, resolved by its exports map", async () => {
        // As the consumer's own code resolves it (from this repository, the name would refer to the repository itself).
        const entry = createRequire(path.join(consumer, "index.ts")).resolve("serverless-websockets/local");
        expect(entry).to.equal(path.join(consumer, "node_modules", "serverless-websockets", "dist", "local", "index.js"));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { startLocalCloud } = require(entry) as typeof import("../../local");
        const cloud = await startLocalCloud({ program: consumer, typeCheck: false });
        try {
            expect(cloud.iam.enforced, "IAM is on by default for an installed user too").to.equal(true);
            const echo = await TestClient.open(String(cloud.outputs.echoUrl));
            expect(await echo.ask('{"action":"test","echo":"from a test"}')).to.equal("Echoing your message: from a test");
            await echo.close();
        } finally {
            await cloud.stop();
        }
    });
});
