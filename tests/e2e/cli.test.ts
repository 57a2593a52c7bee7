import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { eventually, TestClient } from "../support/local";
import { ROOT } from "../support/record";

const CLI = path.join(ROOT, "bin", "serverless-websockets.js");
const TYPE_ERROR = path.join(ROOT, "tests", "fixtures", "type-error");
const IAM_UNDEPLOYABLE = path.join(ROOT, "tests", "fixtures", "iam-undeployable");

/** Runs the CLI to its end in `cwd`; what it printed and how it exited. */
function cli(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const env = { ...process.env };
        delete env.INIT_CWD;
        delete env.npm_package_json;
        execFile(process.execPath, [CLI, ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

/** An operator's mistake: a non-zero exit and a line or two on stderr that name the fix, never a stack trace. */
function expectShortError(result: { code: number; stderr: string }, pattern: RegExp, code = 1): void {
    expect(result.code, result.stderr).to.equal(code);
    expect(result.stderr).to.match(pattern);
    expect(result.stderr).to.not.match(/^\s+at /m);
    expect(result.stderr.trimEnd().split("\n").length, result.stderr).to.be.at.most(2);
}

describe("the serverless-websockets CLI", () => {
    let scratch: string;
    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sw-cli-"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("prints its usage and its version", async () => {
        const help = await cli(["--help"]);
        expect(help.code).to.equal(0);
        expect(help.stdout).to.match(/^usage: serverless-websockets <command> \[options\]/);
        const version = await cli(["--version"]);
        expect(version.stdout.trim()).to.equal(
            (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version,
        );
    });

    it("names each wrong flag with a pointer to --help, exit code 2", async () => {
        expectShortError(
            await cli(["dev", "--latency", "abc"]),
            /^--latency takes milliseconds from 0 to 60000; got "abc"\.\nSee: serverless-websockets --help\n$/,
            2,
        );
        expectShortError(await cli(["dev", "--stack"]), /^--stack needs a value\./, 2);
        expectShortError(await cli(["upload", "--nope"]), /^unknown option --nope\./, 2);
    });

    it("names a missing folder, a folder that is not a Pulumi program, and a stack without its file", async () => {
        expectShortError(await cli(["dev", "does-not-exist"]), /^No such folder: .*does-not-exist\nGive the folder of a Pulumi program/);
        expectShortError(
            await cli(["dev", "docs"]),
            /docs is not a Pulumi program: it has no Pulumi\.yaml\.\nRun from the program's folder/,
        );
        expectShortError(
            await cli(["dev", "--stack", "prod"]),
            /^Stack "prod" has no Pulumi\.prod\.yaml in .*\nCreate it \(pulumi stack init prod\)/,
        );
    });

    it("names a program whose dependencies are not installed", async () => {
        const program = path.join(scratch, "fresh");
        fs.mkdirSync(program);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: fresh\nruntime: nodejs\n");
        fs.writeFileSync(path.join(program, "package.json"), '{ "name": "fresh", "dependencies": { "@pulumi/pulumi": "^3" } }');
        expectShortError(
            await cli(["dev", program]),
            /cannot load @pulumi\/pulumi: its dependencies are not installed\.\nInstall them: \(cd .*fresh && npm install\)/,
        );
    });

    it("stops on a type error with the compiler's diagnostic, as `pulumi up` would, and starts with --transpile-only", async function () {
        this.timeout(120_000);
        const refused = await cli(["dev", TYPE_ERROR, "--port", "0"]);
        expect(refused.code).to.equal(1);
        expect(refused.stderr).to.match(/^index\.ts\(6,14\): error TS2322: Type 'string' is not assignable to type 'number'\./);
        expect(refused.stderr).to.match(/fix them, or start with --transpile-only\.\n$/);
        expect(refused.stderr).to.not.match(/^\s+at /m);
        expect(refused.stdout).to.not.match(/Ready in/);

        const child = spawn(process.execPath, [CLI, "dev", TYPE_ERROR, "--port", "0", "--transpile-only", "--quiet"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        try {
            await eventually(() => /Ready in .* \(not type-checked, /.test(stdout), 60_000, "the transpile-only start");
            const url = /url: "(ws:\/\/[^"]+)"/.exec(stdout)?.[1];
            const client = await TestClient.open(String(url));
            expect(await client.ask('{"action":"test","echo":"typed?"}')).to.equal("Echoing your message: typed?");
            await client.close();
        } finally {
            child.kill("SIGINT");
            await new Promise((resolve) => child.once("exit", resolve));
        }
    });

    it("names the functions --function can show when it is given one the program lacks", async function () {
        this.timeout(60_000);
        expectShortError(
            await cli(["dev", "examples/chat", "--port", "0", "--transpile-only", "--function", "nope"]),
            /^The program has no function nope; --function takes one of: .*chat-sendmessage.*\.\n$/,
        );
    });

    it("refuses a function its role cannot deploy (P5), naming the queue and the fix, and starts it with --iam off", async function () {
        this.timeout(120_000);
        expectShortError(
            await cli(["dev", IAM_UNDEPLOYABLE, "--port", "0", "--transpile-only"]),
            /^Function worker-[0-9a-f]+: InvalidParameterValueException: The provided execution role does not have permissions to call SendMessage on SQS \(its dead-letter queue arn:aws:sqs:us-east-1:000000000000:dead-letters-[0-9a-f]+\), as `pulumi up` would fail\. Grant its role sqs:SendMessage on that queue, or start with --iam off\.\n$/,
        );
        const child = spawn(process.execPath, [CLI, "dev", IAM_UNDEPLOYABLE, "--port", "0", "--transpile-only", "--iam", "off"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        try {
            await eventually(() => /Ready in/.test(stdout), 60_000, "the start with --iam off");
            expect(stdout).to.include("IAM: not enforced (--iam off): every call is allowed.");
        } finally {
            child.kill("SIGINT");
            await new Promise((resolve) => child.once("exit", resolve));
        }
    });

    it("names the service and the fix when a port is in use", async function () {
        this.timeout(60_000);
        const blocker = net.createServer();
        await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
        const port = (blocker.address() as net.AddressInfo).port;
        try {
            expectShortError(
                await cli(["dev", "examples/chat", "--port", String(port), "--transpile-only"]),
                new RegExp(`^WebSocket API chat: port ${port} is in use; start with --port <another base port>\\n$`),
            );
        } finally {
            await new Promise((resolve) => blocker.close(resolve));
        }
    });

    it("upload names a missing file, a program never started, and a cloud no longer running", async () => {
        const program = path.join(scratch, "stale");
        fs.mkdirSync(path.join(program, ".local"), { recursive: true });
        const file = path.join(scratch, "notes.txt");
        fs.writeFileSync(file, "hi");
        expectShortError(await cli(["upload", "missing.txt", "--dir", program]), /^No such file: .*missing\.txt\n$/);
        expectShortError(
            await cli(["upload", file, "--dir", program]),
            /^No local cloud has run in .*stale \(no \.local\/outputs\.json\)\.\nStart it first: serverless-websockets dev/,
        );
        // An outputs file left by a cloud that has stopped: nothing listens at its S3 port any more.
        const closed = net.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
        const port = (closed.address() as net.AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        fs.writeFileSync(
            path.join(program, ".local", "outputs.json"),
            JSON.stringify({
                region: "us-east-1",
                buckets: ["b"],
                s3Endpoint: `http://127.0.0.1:${port}`,
                credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
            }),
        );
        expectShortError(
            await cli(["upload", file, "--dir", program]),
            /^The local cloud of .*stale is not running \(nothing answers at http:\/\/127\.0\.0\.1:\d+\)\.\nStart it: serverless-websockets dev/,
        );
    });

    it("resolves the program and the file from the folder npm was run in (INIT_CWD), not the package root", async () => {
        // What npm gives a script run from examples/chat: the package root as working directory, the caller's in INIT_CWD.
        const env = { ...process.env, INIT_CWD: path.join(ROOT, "examples", "chat"), npm_package_json: path.join(ROOT, "package.json") };
        const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
            execFile(process.execPath, [CLI, "upload", "no-such-file.txt"], { cwd: ROOT, env }, (err, _out, stderr) =>
                resolve({ code: err ? 1 : 0, stderr }),
            ),
        );
        expectShortError(
            result,
            new RegExp(
                `^No such file: ${path.join(ROOT, "examples", "chat", "no-such-file.txt").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`,
            ),
        );
    });
});
