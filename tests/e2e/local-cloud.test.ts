import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { writeOutputsFile } from "../../local/cli/outputs-file";
import { clients, eventually, putGhostConnection, rows, TestClient, useTestCloud, type TestCloud } from "../support/local";
import { ROOT } from "../support/record";

describe("local cloud: index.ts on loopback", () => {
    const cloud = useTestCloud(ROOT);
    let t: TestCloud;
    let s3: S3Client;
    let dynamodb: DynamoDBClient;
    let table: string;
    before(() => {
        ({ s3, dynamodb } = clients((t = cloud())));
        table = String(t.cloud.outputs.connectionsTableName);
    });
    // Every test closes its clients; their $disconnect may still be running when the next one starts.
    beforeEach(() => eventually(async () => (await rows(dynamodb, table)).length === 0, 10_000, "an empty connections table"));

    it("echoes exactly, through the deployed archive of the echo handler", async () => {
        const client = await TestClient.open(t.url("echoUrl"));
        expect(await client.ask('{"action":"test","echo":"hi"}')).to.equal("Echoing your message: hi");
        expect(await client.ask(JSON.stringify({ action: "test", echo: "ünï ✓" }))).to.equal("Echoing your message: ünï ✓");
        await client.close();
    });

    it("sends an unknown action and a non-JSON message to $default, which names the routes (B1, B4)", async () => {
        const client = await TestClient.open(t.url("echoUrl"));
        for (const message of ['{"action":"nope"}', "not json", '{"echo":"no action"}']) {
            expect(JSON.parse(await client.ask(message)), message).to.deep.include({ error: "UnknownRoute", routes: ["test"] });
        }
        await client.close();
    });

    it("tells three clients about a put and a delete, with decoded keys (B25)", async () => {
        const listeners = await Promise.all([1, 2, 3].map(() => TestClient.open(t.url("broadcastUrl"))));
        await eventually(async () => (await rows(dynamodb, table)).length >= 3, 5_000, "three connection rows");
        const bucket = String(t.cloud.outputs.bucketName);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "photos/red flower+é.jpg", Body: "petals" }));
        for (const listener of listeners) {
            expect(JSON.parse(await listener.next())).to.deep.include({
                type: "s3",
                event: "ObjectCreated:Put",
                bucket,
                key: "photos/red flower+é.jpg",
                size: 6,
            });
        }
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "photos/red flower+é.jpg" }));
        for (const listener of listeners) {
            const message = JSON.parse(await listener.next()) as Record<string, unknown>;
            expect(message).to.deep.include({ event: "ObjectRemoved:Delete", key: "photos/red flower+é.jpg" });
            expect(message).to.not.have.property("size");
        }
        await Promise.all(listeners.map((l) => l.close()));
    });

    it("puts a file with `npm run upload` and every client hears of it", async function () {
        this.timeout(30_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sw-upload-"));
        try {
            fs.mkdirSync(path.join(dir, ".local"));
            writeOutputsFile(dir, t.cloud);
            fs.writeFileSync(path.join(dir, "notes 1.txt"), "uploaded");
            const listener = await TestClient.open(t.url("broadcastUrl"));
            await eventually(async () => (await rows(dynamodb, table)).length === 1, 5_000, "listener row");
            // Not execFileSync: the cloud answering the upload runs in this process's event loop.
            await promisify(execFile)("npm", ["run", "upload", "--", path.join(dir, "notes 1.txt"), "--dir", dir], { cwd: ROOT });
            expect(JSON.parse(await listener.next(10_000))).to.deep.include({ event: "ObjectCreated:Put", key: "notes 1.txt", size: 8 });
            await listener.close();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("deletes a connection's row when it closes cleanly (B16)", async () => {
        const client = await TestClient.open(t.url("broadcastUrl"));
        await eventually(async () => (await rows(dynamodb, table)).length === 1, 5_000, "row written on $connect");
        await client.close();
        await eventually(async () => (await rows(dynamodb, table)).length === 0, 5_000, "row deleted on $disconnect");
    });

    it("removes an abruptly killed client's row, and cleans a stale row on the next broadcast (410)", async () => {
        const killed = await TestClient.open(t.url("broadcastUrl"));
        const alive = await TestClient.open(t.url("broadcastUrl"));
        await eventually(async () => (await rows(dynamodb, table)).length === 2, 5_000, "two rows");
        killed.ws.terminate();
        await putGhostConnection(
            dynamodb,
            { connections: table, subscriptions: String(t.cloud.outputs.subscriptionsTableName) },
            "StaleConnId0000=",
        );
        await s3.send(new PutObjectCommand({ Bucket: String(t.cloud.outputs.bucketName), Key: "ping.txt", Body: "x" }));
        expect(JSON.parse(await alive.next())).to.deep.include({ key: "ping.txt" });
        await t.cloud.lambda.settle();
        await eventually(async () => (await rows(dynamodb, table)).length === 1, 5_000, "only the live connection's row left");
        expect(
            t.printed().some((line) => /"gone":[12][,}]/.test(line)),
            "the fan-out saw the stale connection gone",
        ).to.equal(true);
        await alive.close();
    });

    it("deletes rows whose TTL attribute has passed, as DynamoDB's TTL does, and keeps the rest", async () => {
        const put = (id: string, expiresAt: number) =>
            dynamodb.send(
                new PutItemCommand({
                    TableName: table,
                    Item: { connectionId: { S: id }, connectedAt: { N: "0" }, expiresAt: { N: String(expiresAt) } },
                }),
            );
        const nowSeconds = Math.floor(Date.now() / 1000);
        await put("ExpiredConnId00=", nowSeconds - 60);
        await put("LiveConnId00000=", nowSeconds + 3600);
        expect(await t.cloud.dynamodb.sweepExpired()).to.equal(1);
        expect(await rows(dynamodb, table)).to.deep.equal(["LiveConnId00000="]);
        await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { connectionId: { S: "LiveConnId00000=" } } }));
    });

    it("delays @connections and DynamoDB answers by the modelled latency, adjustable while running", async () => {
        const elapsed = async (call: () => Promise<unknown>) => {
            const started = performance.now();
            await call();
            return performance.now() - started;
        };
        const management = String(t.cloud.outputs.broadcastManagementEndpoint);
        const post = () =>
            fetch(`${management}/@connections/${encodeURIComponent("NoSuchConnId000=")}`, { method: "POST", body: "x" }).then(
                (r) => r.status,
            );
        const scan = () => dynamodb.send(new ScanCommand({ TableName: table, Limit: 1 }));
        try {
            t.cloud.latency.set(300);
            expect(await elapsed(post)).to.be.at.least(300);
            expect(await elapsed(scan)).to.be.at.least(300);
            expect(await post()).to.equal(410, "a delayed answer is still the right answer");
        } finally {
            t.cloud.latency.set(0);
        }
        expect(() => t.cloud.latency.set(-1)).to.throw(/latency must be 0 to 60000 ms; got -1/);
        expect(() => t.cloud.latency.set(Number.NaN)).to.throw(/latency must be 0 to 60000 ms/);
    });

    it("connects 200 clients at once and answers every echo: nothing lost", async function () {
        this.timeout(60_000);
        const all = await Promise.all(Array.from({ length: 200 }, () => TestClient.open(t.url("broadcastUrl"))));
        await eventually(async () => (await rows(dynamodb, table)).length === 200, 20_000, "200 rows");
        const echoes = await Promise.all(Array.from({ length: 200 }, () => TestClient.open(t.url("echoUrl"))));
        const replies = await Promise.all(echoes.map((client, i) => client.ask(JSON.stringify({ action: "test", echo: `n${i}` }), 20_000)));
        expect(replies).to.deep.equal(echoes.map((_, i) => `Echoing your message: n${i}`));
        await Promise.all([...all, ...echoes].map((c) => c.close()));
        await eventually(async () => (await rows(dynamodb, table)).length === 0, 20_000, "every row deleted");
    });
});

describe("local cloud: segmented fan-out through Lambda's Invoke API", () => {
    const SEGMENTED = path.join(ROOT, "tests", "fixtures", "segmented");
    const cloud = useTestCloud(SEGMENTED);
    let t: TestCloud;
    let s3: S3Client;
    let dynamodb: DynamoDBClient;
    before(() => ({ s3, dynamodb } = clients((t = cloud()))));
    const output = (name: string, api: string) => String((t.cloud.outputs[name] as Record<string, string>)[api]);

    /**
     * Connects `live` clients (beside `already` connected ones), adds `gone` rows of connections that no longer
     * exist, puts an object, and waits for every invocation.
     */
    async function broadcastOnce(api: string, live: number, gone: number, already = 0) {
        const table = output("tables", api);
        const connected = await Promise.all(Array.from({ length: live }, () => TestClient.open(output("urls", api))));
        await eventually(async () => (await rows(dynamodb, table)).length === already + live, 10_000, `${already + live} rows`);
        const liveIds = await rows(dynamodb, table);
        const tables = { connections: table, subscriptions: output("subscriptionTables", api) };
        for (let i = 0; i < gone; i++) await putGhostConnection(dynamodb, tables, `Gone${String(i).padStart(11, "0")}=`);
        await s3.send(new PutObjectCommand({ Bucket: output("buckets", api), Key: `${api}.txt`, Body: "x" }));
        await eventually(() => connected.every((c) => c.messages.length > 0), 10_000, "every client heard the put");
        await t.cloud.lambda.settle();
        return { connected, liveIds, table };
    }

    for (const [api, segments] of [
        ["one", 1],
        ["four", 4],
        ["sixteen", 16],
    ] as const) {
        it(`with K = ${segments}, sends every connection exactly one message and deletes the gone connections' rows`, async () => {
            const { connected, liveIds, table } = await broadcastOnce(api, 24, 12);
            for (const client of connected) {
                expect(client.messages.map((m) => (JSON.parse(m) as { key: string }).key)).to.deep.equal([`${api}.txt`]);
            }
            expect(await rows(dynamodb, table)).to.deep.equal(liveIds);
            const segmentLogs = t.printed(`${api}-fanout-worker`).filter((line) => line.includes('"fanout segment"'));
            expect(segmentLogs, "worker invocations").to.have.length(segments === 1 ? 0 : segments);
            await Promise.all(connected.map((c) => c.close()));
        });
    }

    it("posts through a single worker at or below segmentAbove, and through K above it", async () => {
        const workerRuns = () =>
            t
                .printed("counted-fanout-worker")
                .filter((line) => line.includes('"fanout segment"'))
                .map((line) => line.slice(line.indexOf("{")));
        const first = await broadcastOnce("counted", 5, 0);
        expect(workerRuns().map((line) => (JSON.parse(line) as { segment: object }).segment)).to.deep.equal([{ index: 0, total: 1 }]);
        const second = await broadcastOnce("counted", 1, 0, 5);
        expect(
            workerRuns()
                .slice(1)
                .map((line) => (JSON.parse(line) as { segment: { total: number } }).segment.total),
        ).to.deep.equal([4, 4, 4, 4]);
        expect(first.connected.map((c) => c.messages.length)).to.deep.equal([2, 2, 2, 2, 2], "the first five heard both puts, once each");
        expect(second.connected[0].messages).to.have.length(1);
        await Promise.all([...first.connected, ...second.connected].map((c) => c.close()));
    });
});
