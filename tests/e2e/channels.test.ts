import { PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as path from "node:path";
import { channelKey, slotOf } from "../../handlers/subscriptions";
import type { ChannelReply, Notification } from "../../protocol/channels";
import { clients, eventually, rows, TestClient, useTestCloud, type TestCloud } from "../support/local";
import { ROOT } from "../support/record";

const CHANNELS = path.join(ROOT, "tests", "fixtures", "channels");

describe("local cloud: channels on a BroadcastWebSocket, as deployed", () => {
    const cloud = useTestCloud(CHANNELS);
    let t: TestCloud;
    let s3: S3Client;
    let dynamodb: DynamoDBClient;
    const open: TestClient[] = [];
    before(() => ({ s3, dynamodb } = clients((t = cloud()))));
    afterEach(async () => {
        await Promise.all(open.splice(0).map((c) => c.close()));
        await eventually(
            async () => (await rows(dynamodb, String(t.cloud.outputs.connectionsTable))).length === 0,
            10_000,
            "no connections",
        );
    });

    const connect = async (user: string) => {
        const client = await TestClient.open(`${t.url("url")}?user=${user}`);
        open.push(client);
        return client;
    };
    const ask = async (client: TestClient, request: object) =>
        JSON.parse(await client.ask(JSON.stringify(request))) as ChannelReply & Record<string, unknown>;
    const subscribe = async (client: TestClient, channel: string) => {
        expect(await ask(client, { action: "subscribe", channel })).to.deep.equal({ type: "subscribed", channel });
    };
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: String(t.cloud.outputs.bucket), Key: key, Body: "x" }));
    const keysHeard = (client: TestClient) => client.messages.map((m) => (JSON.parse(m) as Notification & { key?: string }).key);
    const subscriptionRows = async () => {
        const { Items } = await dynamodb.send(new ScanCommand({ TableName: String(t.cloud.outputs.subscriptionsTable) }));
        return (Items ?? []).map((item) => `${String(item.channel?.S)} ${String(item.connectionId?.S)}`).sort();
    };

    it("sends an event to the subscribers of every prefix of its key, one message each, and to no one else", async () => {
        const [nested, job, everything, other, silent] = await Promise.all(["ana", "bo", "cy", "di", "ed"].map(connect));
        await subscribe(nested, "uploads/");
        await subscribe(nested, "uploads/job-42/");
        await subscribe(job, "uploads/job-42/");
        await subscribe(everything, "");
        await subscribe(other, "uploads/job-7/");
        await put("uploads/job-42/out.txt");
        await eventually(() => [nested, job, everything].every((c) => c.messages.length > 0), 10_000, "the three subscribers heard it");
        await t.cloud.lambda.settle();
        for (const client of [nested, job, everything]) expect(keysHeard(client)).to.deep.equal(["uploads/job-42/out.txt"]);
        expect(other.messages, "another channel").to.deep.equal([]);
        expect(silent.messages, "never subscribed, unsubscribed: none").to.deep.equal([]);
    });

    it("stops sending a channel's events after unsubscribe, and keeps the others", async () => {
        const client = await connect("ana");
        await subscribe(client, "a/");
        await subscribe(client, "b/");
        expect(await ask(client, { action: "unsubscribe", channel: "a/" })).to.deep.equal({ type: "unsubscribed", channel: "a/" });
        await put("a/1.txt");
        await put("b/1.txt");
        await eventually(() => client.messages.length > 0, 10_000, "b/1.txt heard");
        await t.cloud.lambda.settle();
        expect(keysHeard(client)).to.deep.equal(["b/1.txt"]);
    });

    it("asks authorizeSubscribe with the $connect authorizer's principal: users/<me>/ only", async () => {
        const ana = await connect("ana");
        await subscribe(ana, "users/ana/");
        const denied = await ask(ana, { action: "subscribe", channel: "users/bob/" });
        expect(denied).to.include({ type: "error", error: "Forbidden" });
        expect(await ask(ana, { action: "ping" }), "the connection stays open").to.deep.equal({ type: "pong" });
    });

    it("refuses malformed and over-limit requests with an error frame naming the fix, and stays open", async () => {
        const client = await connect("ana");
        expect(await ask(client, { action: "subscribe", channel: 42 })).to.include({ type: "error", error: "InvalidChannel" });
        expect(await ask(client, { action: "subscribe", channel: "no-slash" })).to.include({ type: "error", error: "InvalidChannel" });
        expect(await ask(client, { action: "subscribe", channel: `${"x".repeat(300)}/` })).to.include({ error: "ChannelTooLong" });
        for (const channel of ["1/", "2/", "3/", "4/"]) await subscribe(client, channel);
        const full = await ask(client, { action: "subscribe", channel: "5/" });
        expect(full).to.include({ type: "error", error: "TooManyChannels" });
        expect(String(full.message)).to.match(/4 channels at once/);
        expect(await ask(client, { action: "ping" })).to.deep.equal({ type: "pong" });
    });

    it("publishes from a route through publish() and grantPublish, with the same delivery rules", async () => {
        const [ana, bo] = await Promise.all([connect("ana"), connect("bo")]);
        await subscribe(ana, "users/ana/");
        await subscribe(bo, "users/bo/");
        const reply = await ask(bo, { action: "announce", channel: "users/ana/inbox/", text: "hello ana" });
        expect(reply).to.deep.equal({ type: "announced", delivered: 1 });
        expect(JSON.parse(await ana.next())).to.deep.equal({ type: "message", channel: "users/ana/inbox/", data: { text: "hello ana" } });
        expect(bo.messages).to.deep.equal([]);
    });

    it("removes a connection's subscriptions on $disconnect, and a gone connection's on the next event (410)", async () => {
        const client = await connect("ana");
        await subscribe(client, "uploads/");
        await subscribe(client, "users/ana/");
        expect((await subscriptionRows()).length).to.equal(2);
        await client.close();
        open.splice(0);
        await eventually(async () => (await subscriptionRows()).length === 0, 10_000, "its subscription rows deleted");

        // A subscription whose connection API Gateway no longer has, and no connection row to list it.
        const ghost = "GhostConnId0000=";
        await dynamodb.send(
            new PutItemCommand({
                TableName: String(t.cloud.outputs.subscriptionsTable),
                Item: {
                    channelKey: { S: channelKey("uploads/") },
                    slot: { S: slotOf(ghost) },
                    channel: { S: "uploads/" },
                    connectionId: { S: ghost },
                    expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
                },
            }),
        );
        await put("uploads/after.txt");
        await t.cloud.lambda.settle();
        await eventually(async () => (await subscriptionRows()).length === 0, 10_000, "the ghost's row deleted on 410");
        expect(t.printed().some((line) => /"gone":1[,}]/.test(line))).to.equal(true);
    });

    it("lets the TTL remove a subscription row whose connection's lifetime is over, as DynamoDB's TTL does", async () => {
        const client = await connect("ana");
        await subscribe(client, "kept/");
        const nowSeconds = Math.floor(Date.now() / 1000);
        await dynamodb.send(
            new PutItemCommand({
                TableName: String(t.cloud.outputs.subscriptionsTable),
                Item: {
                    channelKey: { S: channelKey("kept/") },
                    slot: { S: slotOf("ExpiredConn0000=") },
                    channel: { S: "kept/" },
                    connectionId: { S: "ExpiredConn0000=" },
                    expiresAt: { N: String(nowSeconds - 60) },
                },
            }),
        );
        expect(await t.cloud.dynamodb.sweepExpired()).to.equal(1);
        expect((await subscriptionRows()).filter((row) => row.startsWith("kept/ "))).to.have.length(1);
    });

    it("hands out a presigned PUT under a subscribed channel; the upload's event reaches the uploader", async () => {
        const client = await connect("ana");
        await subscribe(client, "uploads/ana-page/");
        expect(await ask(client, { action: "upload", key: "uploads/elsewhere/x.txt", size: 1 })).to.include({
            type: "error",
            error: "Forbidden",
        });
        const upload = await ask(client, { action: "upload", key: "uploads/ana-page/hello.txt", contentType: "text/plain", size: 26 });
        expect(upload).to.include({ type: "upload", method: "PUT", key: "uploads/ana-page/hello.txt" });
        const response = await fetch(String(upload.url), {
            method: "PUT",
            headers: upload.headers as Record<string, string>,
            body: "hello from a presigned URL",
        });
        expect(response.status).to.equal(200);
        const event = JSON.parse(await client.next(10_000)) as Notification & { key: string; size: number };
        expect(event).to.include({ type: "s3", key: "uploads/ana-page/hello.txt", size: 26 });
    });
});
