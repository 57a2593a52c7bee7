import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { localCredentials } from "../../local/services/credentials";
import { clients, eventually, handshakeStatus, rows, TestClient, useTestCloud, type TestCloud } from "../support/local";
import { ROOT } from "../support/record";

/** A failure record as Lambda sends it to an on-failure destination (B44), for an S3 event. */
interface FailureRecord {
    version: string;
    timestamp: string;
    requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
    requestPayload: { Records: { s3: { object: { key: string } } }[] };
    responseContext: { statusCode: number; executedVersion: string; functionError: string };
    responsePayload: { errorType: string; errorMessage: string };
}

describe("local cloud: AWS failing (B44, B45)", function () {
    this.timeout(90_000);
    const cloud = useTestCloud(ROOT);
    let t: TestCloud;
    let s3: S3Client;
    let dynamodb: DynamoDBClient;
    let sqs: SQSClient;
    let table: string;
    let queueUrl: string;
    before(() => {
        ({ s3, dynamodb } = clients((t = cloud())));
        table = String(t.cloud.outputs.connectionsTableName);
        queueUrl = String(t.cloud.outputs.failedEventsQueueUrl);
        sqs = new SQSClient({ endpoint: t.cloud.sqsEndpoint, region: t.cloud.program.region, credentials: localCredentials() });
    });
    beforeEach(() => eventually(async () => (await rows(dynamodb, table)).length === 0, 10_000, "an empty connections table"));
    afterEach(() => t.cloud.faults.set({}));

    const listeners = async (count: number) => {
        const opened = await Promise.all(Array.from({ length: count }, () => TestClient.open(t.url("broadcastUrl"))));
        await eventually(async () => (await rows(dynamodb, table)).length === count, 5_000, `${count} connection rows`);
        return opened;
    };
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: String(t.cloud.outputs.bucketName), Key: key, Body: key }));
    /** Every message now in the failure queue, received and deleted. */
    const drainQueue = async (): Promise<FailureRecord[]> => {
        const records: FailureRecord[] = [];
        for (;;) {
            const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
            if (Messages.length === 0) return records;
            for (const message of Messages as Message[]) {
                records.push(JSON.parse(message.Body!) as FailureRecord);
                await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
            }
        }
    };
    const keysHeard = (client: TestClient) => client.messages.map((m) => (JSON.parse(m) as { key: string }).key);

    it("names the failure queue by its local URL in the outputs", () => {
        expect(queueUrl).to.match(new RegExp(`^${t.cloud.sqsEndpoint}/\\d{12}/broadcast-failed-events-[0-9a-f]+$`));
        expect(t.cloud.queues.map((q) => q.url)).to.include(queueUrl);
    });

    it("delivers exactly once to every live client while @connections throttles and fails, through the fan-out's retries", async () => {
        const clients = await listeners(8);
        const before = t.cloud.faults.counts();
        t.cloud.faults.set({ connections: { rate: 0.5, errors: ["429", "500"], maxConsecutive: 3 }, seed: 7 });
        await put("throttled.txt");
        await t.cloud.lambda.settle();
        await eventually(() => clients.every((c) => c.messages.length > 0), 5_000, "every client's message");
        t.cloud.faults.set({});
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const client of clients) expect(keysHeard(client)).to.deep.equal(["throttled.txt"]);
        const after = t.cloud.faults.counts();
        const injected = (kind: string) => (after[kind] ?? 0) - (before[kind] ?? 0);
        expect(injected("connections 429") + injected("connections 500"), "faults were injected").to.be.at.least(4);
        expect(await drainQueue()).to.deep.equal([]);
        await Promise.all(clients.map((c) => c.close()));
    });

    it("gives up after the graph's two retries and leaves the S3 event in the failure queue, shaped as Lambda's record", async () => {
        const clients = await listeners(2);
        t.cloud.faults.set({ connections: { rate: 1, errors: ["500"] } });
        await put("lost.txt");
        await eventually(
            () => t.logs.some((line) => line.includes("sent to its on-failure destination")),
            60_000,
            "the record sent after three attempts",
        );
        t.cloud.faults.set({});
        const attributes = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
        );
        expect(attributes.Attributes?.ApproximateNumberOfMessages).to.equal("1");
        const [record, ...more] = await drainQueue();
        expect(more).to.deep.equal([]);
        expect(record.version).to.equal("1.0");
        expect(record.requestContext).to.deep.include({ condition: "RetriesExhausted", approximateInvokeCount: 3 });
        expect(record.requestContext.functionArn).to.match(/^arn:aws:lambda:[^:]+:\d{12}:function:broadcast-fanout-[0-9a-f]+:\$LATEST$/);
        expect(record.requestContext.requestId).to.match(/^[0-9a-f-]{36}$/);
        expect(record.requestPayload.Records[0].s3.object.key).to.equal("lost.txt");
        expect(record.responseContext).to.deep.equal({ statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
        expect(record.responsePayload.errorMessage).to.match(/posts failed/);
        expect(clients.map(keysHeard)).to.deep.equal([[], []]);
        await Promise.all(clients.map((c) => c.close()));
    });

    it("rejects a handshake whose $connect write fails, and keeps no row for it", async () => {
        t.cloud.faults.set({ dynamodb: { rate: 1 } });
        expect(await handshakeStatus(t.url("broadcastUrl"))).to.equal(500);
        t.cloud.faults.set({});
        expect(await rows(dynamodb, table)).to.deep.equal([]);
        expect(t.cloud.faults.counts()["dynamodb throttling"] ?? 0).to.be.above(0);
        // With DynamoDB back, the same client gets in.
        expect(await handshakeStatus(t.url("broadcastUrl"))).to.equal(101);
    });

    it("loses no event without a record: crashes, DynamoDB errors and dropped clients at once", async () => {
        const clients = await listeners(5);
        t.cloud.faults.set({
            functions: { rate: 0.3 },
            dynamodb: { rate: 0.2 },
            connections: { rate: 0.2 },
            seed: 11,
        });
        const keys = Array.from({ length: 6 }, (_, i) => `chaos-${i}.txt`);
        for (const key of keys) await put(key);
        await t.cloud.lambda.settle();
        t.cloud.faults.set({});
        const records = await drainQueue();
        const recorded = new Set(records.flatMap((r) => r.requestPayload.Records.map((record) => record.s3.object.key)));
        // A dropped client (the "gone" fault) hears nothing more; every other one must hear each event, or it is recorded.
        const live = clients.filter((client) => client.ws.readyState === client.ws.OPEN);
        for (const key of keys) {
            const heardByAll = live.every((client) => keysHeard(client).includes(key));
            expect(heardByAll || recorded.has(key), `${key}: delivered to every live client, or recorded as failed`).to.equal(true);
        }
        const counts = t.cloud.faults.counts();
        expect(counts["functions crash"] ?? 0, "crashes were injected").to.be.above(0);
        expect(counts["connections gone"] ?? 0, "clients were dropped").to.be.above(0);
        expect(live.length, "some clients stayed").to.be.above(0);
        await Promise.all(live.map((c) => c.close()));
    });
});
