import {
    ChangeMessageVisibilityCommand,
    CreateQueueCommand,
    DeleteMessageBatchCommand,
    DeleteMessageCommand,
    DeleteQueueCommand,
    GetQueueAttributesCommand,
    GetQueueUrlCommand,
    ListQueuesCommand,
    PurgeQueueCommand,
    ReceiveMessageCommand,
    SendMessageBatchCommand,
    SendMessageCommand,
    SQSClient,
    type ReceiveMessageCommandInput,
} from "@aws-sdk/client-sqs";
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { QueueSpec } from "../../../../local/graph/specs";
import { MAX_REQUEST_BYTES, SqsService } from "../../../../local/services/sqs/sqs-service";
import { TEST_CREDENTIALS } from "../../../support/dynamo";

const REGION = "us-east-1";
/** The local cloud's account; the program's outputs name its queues under another, as a recorded program does. */
const ACCOUNT = "000000000000";
const PROGRAM_ACCOUNT = "123456789012";

function queueSpec(name: string, settings: Partial<QueueSpec> = {}): QueueSpec {
    return {
        name,
        arn: `arn:aws:sqs:${REGION}:${PROGRAM_ACCOUNT}:${name}`,
        url: `https://sqs.${REGION}.amazonaws.com/${PROGRAM_ACCOUNT}/${name}`,
        visibilityTimeoutSeconds: 30,
        messageRetentionSeconds: 345_600,
        delaySeconds: 0,
        receiveWaitTimeSeconds: 0,
        maxMessageSize: 262_144,
        fifoQueue: false,
        ...settings,
    };
}

/** An SDK error as a test compares it: its name as the SDK surfaces it, and the status. */
const failure = (err: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
    error: err.name,
    status: err.$metadata?.httpStatusCode,
    message: err.message,
});

const elapsedMs = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = Date.now();
    const result = await work();
    return { result, ms: Date.now() - started };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the local SQS (JSON protocol, for @aws-sdk/client-sqs v3)", function () {
    this.timeout(30_000);
    const lines: string[] = [];
    let service: SqsService;
    let sqs: SQSClient;
    let counter = 0;
    /** A fresh queue per test, so that no test sees another's messages. */
    let queue: QueueSpec;
    let queueUrl: string;
    const specs = Array.from({ length: 24 }, (_, i) => queueSpec(`test-${i}`, { visibilityTimeoutSeconds: 1 }));
    const short = queueSpec("short-lived", { messageRetentionSeconds: 1 });
    const delayed = queueSpec("delayed", { delaySeconds: 1 });
    const small = queueSpec("small", { maxMessageSize: 1024 });

    before(async () => {
        service = await SqsService.start([...specs, short, delayed, small], {
            port: 0,
            region: REGION,
            accountId: ACCOUNT,
            log: (l) => lines.push(l),
        });
        sqs = new SQSClient({ endpoint: service.endpoint, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });
    after(async () => {
        sqs?.destroy();
        await service?.stop();
    });
    beforeEach(() => {
        queue = specs[counter++];
        queueUrl = service.queueUrl(queue.name)!;
    });

    const send = (body: string, extra: Partial<ConstructorParameters<typeof SendMessageCommand>[0]> = {}) =>
        sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...extra }));
    const receive = (extra: Partial<ReceiveMessageCommandInput> = {}) =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, ...extra })).then((out) => out.Messages ?? []);
    const counts = async (url = queueUrl) => {
        const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({
                QueueUrl: url,
                AttributeNames: [
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            }),
        );
        return {
            visible: Number(Attributes?.ApproximateNumberOfMessages),
            inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
            delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed),
        };
    };
    const raw = (body: string, headers: Record<string, string> = {}, method = "POST", signal?: AbortSignal) =>
        fetch(`${service.endpoint}/`, {
            method,
            signal,
            headers: { "content-type": "application/x-amz-json-1.0", ...headers },
            ...(method === "GET" ? {} : { body }),
        });
    const rawJson = async (response: Response) => ({
        status: response.status,
        queryError: response.headers.get("x-amzn-query-error"),
        body: (await response.json()) as { __type: string; message: string },
    });

    it("sends, receives and deletes a message, with SQS's digests, ids and system attributes", async () => {
        const before = Date.now();
        const sent = await send("hello", { MessageAttributes: { attribName1: { DataType: "String", StringValue: "attribValue 1" } } });
        // The digest of this attribute as SQS computes it (aws-md5-of-message-attributes gives the same).
        expect(sent.MD5OfMessageAttributes).to.equal("19e27d4e946b072f3f58da80d94fd778");
        expect(sent.MD5OfMessageBody).to.equal("5d41402abc4b2a76b9719d911017c592");
        expect(sent.MessageId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

        const [message, ...more] = await receive({
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
            MaxNumberOfMessages: 10,
        });
        expect(more).to.deep.equal([]);
        expect(message).to.deep.include({ MessageId: sent.MessageId, Body: "hello", MD5OfBody: sent.MD5OfMessageBody });
        expect(message.MessageAttributes).to.deep.equal({ attribName1: { DataType: "String", StringValue: "attribValue 1" } });
        expect(message.MD5OfMessageAttributes).to.equal(sent.MD5OfMessageAttributes);
        expect(message.Attributes?.SenderId).to.equal(TEST_CREDENTIALS.accessKeyId);
        expect(message.Attributes?.ApproximateReceiveCount).to.equal("1");
        const sentAt = Number(message.Attributes?.SentTimestamp);
        expect(sentAt).to.be.within(before, Date.now());
        expect(Number(message.Attributes?.ApproximateFirstReceiveTimestamp)).to.be.within(sentAt, Date.now());

        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 0, delayed: 0 });
        // Deleting again with the same handle succeeds, as SQS's does.
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    });

    it("returns only the attributes asked for, by name or prefix, with the digest of those returned", async () => {
        await send("x", {
            MessageAttributes: {
                "trace.id": { DataType: "String", StringValue: "t" },
                "trace.span": { DataType: "Number", StringValue: "7" },
                binaryAttribute: { DataType: "Binary", BinaryValue: Buffer.from("Hello binary world!") },
            },
        });
        const [none] = await receive({ VisibilityTimeout: 0 });
        expect(none.MessageAttributes).to.equal(undefined);
        expect(none.MD5OfMessageAttributes).to.equal(undefined);
        expect(none.Attributes).to.equal(undefined);
        const [traced] = await receive({
            VisibilityTimeout: 0,
            MessageAttributeNames: ["trace.*"],
            MessageSystemAttributeNames: ["SentTimestamp"],
        });
        expect(Object.keys(traced.MessageAttributes ?? {})).to.deep.equal(["trace.id", "trace.span"]);
        expect(Object.keys(traced.Attributes ?? {})).to.deep.equal(["SentTimestamp"]);
        const [binary] = await receive({ MessageAttributeNames: ["binaryAttribute"] });
        expect(Buffer.from(binary.MessageAttributes!.binaryAttribute.BinaryValue!).toString()).to.equal("Hello binary world!");
        // This attribute's digest as aws-md5-of-message-attributes computes it.
        expect(binary.MD5OfMessageAttributes).to.equal("31a92b15d92f8db860eda32aceb656c3");
    });

    it("hides a received message for its visibility timeout, then shows it again under a new handle", async () => {
        await send("again");
        const [first] = await receive();
        expect(await receive()).to.deep.equal([]);
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 1, delayed: 0 });
        await sleep(1100);
        const [second] = await receive({ MessageSystemAttributeNames: ["ApproximateReceiveCount"], VisibilityTimeout: 5 });
        expect(second.MessageId).to.equal(first.MessageId);
        expect(second.ReceiptHandle).to.not.equal(first.ReceiptHandle);
        expect(second.Attributes?.ApproximateReceiveCount).to.equal("2");

        // The first receive's handle is stale: the delete succeeds and deletes nothing.
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.ReceiptHandle }));
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 1, delayed: 0 });
        expect(
            await sqs
                .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }))
                .catch(failure),
        ).to.deep.include({ error: "MessageNotInflight", status: 400 });

        // ChangeMessageVisibility 0 makes it visible at once; then it is no longer in flight.
        await sqs.send(
            new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 0 }),
        );
        expect(await counts()).to.deep.equal({ visible: 1, inFlight: 0, delayed: 0 });
        expect(
            await sqs
                .send(
                    new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 10 }),
                )
                .catch(failure),
        ).to.deep.include({ error: "MessageNotInflight" });
        const [third] = await receive({ MessageSystemAttributeNames: ["All"] });
        expect(third.Attributes?.ApproximateReceiveCount).to.equal("3");
        expect(
            await sqs
                .send(
                    new ChangeMessageVisibilityCommand({
                        QueueUrl: queueUrl,
                        ReceiptHandle: third.ReceiptHandle,
                        VisibilityTimeout: 43_201,
                    }),
                )
                .catch(failure),
        ).to.deep.include({ error: "InvalidParameterValue", status: 400 });
    });

    it("counts visible, in-flight and delayed messages, and answers GetQueueAttributes' names (All, unknown)", async () => {
        await send("a");
        await send("b");
        await send("c", { DelaySeconds: 1 });
        await receive();
        expect(await counts()).to.deep.equal({ visible: 1, inFlight: 1, delayed: 1 });
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }));
        expect(Attributes).to.deep.include({
            QueueArn: queue.arn,
            ApproximateNumberOfMessages: "1",
            ApproximateNumberOfMessagesNotVisible: "1",
            ApproximateNumberOfMessagesDelayed: "1",
            VisibilityTimeout: "1",
            MessageRetentionPeriod: "345600",
            DelaySeconds: "0",
            ReceiveMessageWaitTimeSeconds: "0",
            MaximumMessageSize: "262144",
        });
        expect(Number(Attributes?.CreatedTimestamp)).to.be.closeTo(Date.now() / 1000, 60);
        expect(Attributes?.LastModifiedTimestamp).to.equal(Attributes?.CreatedTimestamp);
        expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl }))).Attributes).to.equal(undefined);
        expect(
            await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["Bogus" as "All"] })).catch(failure),
        ).to.deep.equal({ error: "InvalidAttributeName", status: 400, message: "Unknown Attribute Bogus." });
    });

    it("delays a message by the queue's DelaySeconds unless the message gives its own", async () => {
        const url = service.queueUrl(delayed.name)!;
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "later" }));
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "now", DelaySeconds: 0 }));
        expect(await counts(url)).to.deep.equal({ visible: 1, inFlight: 0, delayed: 1 });
        const { result, ms } = await elapsedMs(() =>
            sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 })),
        );
        expect(result.Messages?.map((m) => m.Body)).to.deep.equal(["now"]);
        expect(ms).to.be.below(500);
        // A waiting receive answers when the delay ends.
        const later = await elapsedMs(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 })));
        expect(later.result.Messages?.map((m) => m.Body)).to.deep.equal(["later"]);
        expect(later.ms).to.be.below(1500);
    });

    it("long-polls: a waiting receive answers as soon as a message arrives; WaitTimeSeconds 0 answers at once", async () => {
        const waiting = elapsedMs(() => receive({ WaitTimeSeconds: 10 }));
        await sleep(200);
        await send("arrived");
        const { result, ms } = await waiting;
        expect(result.map((m) => m.Body)).to.deep.equal(["arrived"]);
        expect(ms).to.be.within(150, 1500);

        // The message is in flight for a second: nothing to receive now.
        const immediate = await elapsedMs(() => receive({ WaitTimeSeconds: 0 }));
        expect(immediate.result).to.deep.equal([]);
        expect(immediate.ms).to.be.below(300);
        // A waiting receive answers when the message comes back from its visibility timeout.
        const back = await elapsedMs(() => receive({ WaitTimeSeconds: 5 }));
        expect(back.result.map((m) => m.Body)).to.deep.equal(["arrived"]);
        expect(back.ms).to.be.below(1500);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: back.result[0].ReceiptHandle }));
        const expired = await elapsedMs(() => receive({ WaitTimeSeconds: 1 }));
        expect(expired.result).to.deep.equal([]);
        expect(expired.ms).to.be.within(950, 2500);
    });

    it("takes nothing for a waiting receive whose client went away", async () => {
        const gone = new AbortController();
        const waiting = raw(
            JSON.stringify({ QueueUrl: queueUrl, WaitTimeSeconds: 10 }),
            { "x-amz-target": "AmazonSQS.ReceiveMessage" },
            "POST",
            gone.signal,
        ).catch(() => "aborted");
        await sleep(100);
        gone.abort();
        expect(await waiting).to.equal("aborted");
        await sleep(50);
        await send("for whoever stays");
        const [message] = await receive({ MessageSystemAttributeNames: ["ApproximateReceiveCount"] });
        expect(message.Attributes?.ApproximateReceiveCount).to.equal("1");
    });

    it("refuses ReceiveMessage settings out of SQS's bounds", async () => {
        for (const [input, reason] of [
            [
                { MaxNumberOfMessages: 11 },
                "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
            ],
            [
                { MaxNumberOfMessages: 0 },
                "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
            ],
            [{ WaitTimeSeconds: 21 }, "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be between 0 and 20, if provided."],
            [
                { VisibilityTimeout: -1 },
                "Value -1 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.",
            ],
        ] as const) {
            expect(await receive(input).catch(failure)).to.deep.equal({ error: "InvalidParameterValue", status: 400, message: reason });
        }
    });

    it("sends and deletes in batches, reporting each entry's failure and refusing malformed batches whole", async () => {
        const sent = await sqs.send(
            new SendMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: [
                    { Id: "ok-1", MessageBody: "one" },
                    { Id: "bad_chars", MessageBody: "nul \u0000 here" },
                    { Id: "too-big", MessageBody: "x".repeat(queue.maxMessageSize + 1) },
                    { Id: "ok-2", MessageBody: "two", MessageAttributes: { n: { DataType: "Number", StringValue: "2" } } },
                ],
            }),
        );
        expect(sent.Successful?.map((e) => e.Id)).to.deep.equal(["ok-1", "ok-2"]);
        expect(sent.Successful?.[1].MD5OfMessageAttributes).to.match(/^[0-9a-f]{32}$/);
        expect(sent.Failed?.map(({ Id, Code, SenderFault }) => ({ Id, Code, SenderFault }))).to.deep.equal([
            { Id: "bad_chars", Code: "InvalidMessageContents", SenderFault: true },
            { Id: "too-big", Code: "InvalidParameterValue", SenderFault: true },
        ]);

        const received = await receive({ MaxNumberOfMessages: 10 });
        expect(received.map((m) => m.Body)).to.deep.equal(["one", "two"]);
        const deleted = await sqs.send(
            new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: [
                    { Id: "a", ReceiptHandle: received[0].ReceiptHandle },
                    { Id: "b", ReceiptHandle: "not-a-handle" },
                ],
            }),
        );
        expect(deleted.Successful).to.deep.equal([{ Id: "a" }]);
        expect(deleted.Failed?.map(({ Id, Code }) => ({ Id, Code }))).to.deep.equal([{ Id: "b", Code: "ReceiptHandleIsInvalid" }]);
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 1, delayed: 0 });

        const batch = (Entries: { Id: string; MessageBody: string }[]) =>
            sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries })).catch(failure);
        expect(await batch([])).to.deep.include({ error: "EmptyBatchRequest" });
        expect(await batch(Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: "x" })))).to.deep.include({
            error: "TooManyEntriesInBatchRequest",
            message: "Maximum number of entries per request are 10. You have sent 11.",
        });
        expect(
            await batch([
                { Id: "same", MessageBody: "x" },
                { Id: "same", MessageBody: "y" },
            ]),
        ).to.deep.include({ error: "BatchEntryIdsNotDistinct" });
        expect(await batch([{ Id: "no spaces", MessageBody: "x" }])).to.deep.include({ error: "InvalidBatchEntryId" });
        expect(await batch(Array.from({ length: 5 }, (_, i) => ({ Id: `big${i}`, MessageBody: "x".repeat(250_000) })))).to.deep.include({
            error: "BatchRequestTooLong",
        });
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 1, delayed: 0 });
    });

    it("names an unknown queue QueueDoesNotExist, with the JSON error shape and query-compatible header SQS sends", async () => {
        const missing = `${service.endpoint}/${ACCOUNT}/nope`;
        expect(await sqs.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: "x" })).catch(failure)).to.deep.equal({
            error: "QueueDoesNotExist",
            status: 400,
            message: "The specified queue does not exist.",
        });
        expect(await sqs.send(new GetQueueUrlCommand({ QueueName: "nope" })).catch(failure)).to.deep.include({
            error: "QueueDoesNotExist",
        });
        // The right name under an account that is neither the local one nor the program's is another queue.
        expect(
            await sqs
                .send(new SendMessageCommand({ QueueUrl: `${service.endpoint}/999999999999/${queue.name}`, MessageBody: "x" }))
                .catch(failure),
        ).to.deep.include({ error: "QueueDoesNotExist" });
        const response = await rawJson(
            await raw(JSON.stringify({ QueueUrl: missing, MessageBody: "x" }), { "x-amz-target": "AmazonSQS.SendMessage" }),
        );
        expect(response).to.deep.equal({
            status: 400,
            queryError: "AWS.SimpleQueueService.NonExistentQueue;Sender",
            body: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." },
        });
    });

    it("takes a queue by its local URL, its AWS URL or any host with /<account>/<name>; GetQueueUrl and ListQueues answer local URLs", async () => {
        for (const url of [queueUrl, queue.url, `http://elsewhere.example:9/${ACCOUNT}/${queue.name}`]) {
            await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: url }));
        }
        expect(await counts(queue.url)).to.deep.include({ visible: 3 });
        expect(queueUrl).to.equal(`${service.endpoint}/${ACCOUNT}/${queue.name}`);
        expect(service.queueUrl(queue.arn)).to.equal(queueUrl);
        expect(service.queueUrl("nope")).to.equal(undefined);
        expect((await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }))).QueueUrl).to.equal(queueUrl);
        expect(
            (await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name, QueueOwnerAWSAccountId: PROGRAM_ACCOUNT }))).QueueUrl,
        ).to.equal(queueUrl);
        expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "short" }))).QueueUrls).to.deep.equal([
            `${service.endpoint}/${ACCOUNT}/short-lived`,
        ]);
        expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "none-such" }))).QueueUrls).to.equal(undefined);
        const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "test-", MaxResults: 20 }));
        expect(page.QueueUrls).to.have.length(20);
        const rest = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "test-", MaxResults: 20, NextToken: page.NextToken }));
        expect(rest.QueueUrls).to.have.length(specs.length - 20);
        expect(rest.NextToken).to.equal(undefined);
    });

    it("answers CreateQueue for a program's queue with its settings, and refuses other queues and DeleteQueue", async () => {
        expect(
            (await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { VisibilityTimeout: "1" } }))).QueueUrl,
        ).to.equal(queueUrl);
        expect(
            await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { VisibilityTimeout: "30" } })).catch(failure),
        ).to.deep.include({
            error: "QueueNameExists",
            message: "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
        });
        const created = await sqs.send(new CreateQueueCommand({ QueueName: "new-queue" })).catch(failure);
        expect(created).to.deep.include({ error: "UnsupportedOperation", status: 400 });
        expect((created as { message: string }).message).to.contain("Pulumi program");
        expect(await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(failure)).to.deep.include({
            error: "UnsupportedOperation",
        });
    });

    it("purges a queue, in-flight messages too, once a minute as SQS allows", async () => {
        await send("a");
        await send("b");
        await receive();
        await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 0, delayed: 0 });
        expect(await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl })).catch(failure)).to.deep.include({
            error: "PurgeQueueInProgress",
            status: 403,
        });
    });

    it("refuses a receipt handle it did not issue, for this queue", async () => {
        await send("h");
        const [message] = await receive();
        for (const handle of ["garbage!", Buffer.from('["other-queue","id","r"]').toString("base64url")]) {
            expect(await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle })).catch(failure)).to.deep.include({
                error: "ReceiptHandleIsInvalid",
                status: 404,
            });
        }
        const otherQueue = service.queueUrl(specs[specs.length - 1].name)!;
        expect(
            await sqs.send(new DeleteMessageCommand({ QueueUrl: otherQueue, ReceiptHandle: message.ReceiptHandle })).catch(failure),
        ).to.deep.include({
            error: "ReceiptHandleIsInvalid",
        });
    });

    it("refuses bodies over the queue's MaximumMessageSize (attributes count) and characters SQS does not allow", async () => {
        const url = service.queueUrl(small.name)!;
        const put = (MessageBody: string, MessageAttributes?: Record<string, { DataType: string; StringValue: string }>) =>
            sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody, MessageAttributes })).catch(failure);
        expect(await put("x".repeat(1024))).to.have.property("MessageId");
        expect(await put("x".repeat(1025))).to.deep.equal({
            error: "InvalidParameterValue",
            status: 400,
            message: "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
        });
        // Multi-byte characters count in bytes; an attribute's name, type and value count too.
        expect(await put("é".repeat(513))).to.deep.include({ error: "InvalidParameterValue" });
        expect(await put("x".repeat(1000), { a: { DataType: "String", StringValue: "y".repeat(20) } })).to.deep.include({
            error: "InvalidParameterValue",
        });
        expect(await put("tab\tnewline\ncr\r emoji \u{1F600} private \uE000")).to.have.property("MessageId");
        for (const body of ["\u0000", "bell \u0007", "\uFFFE", "lone \uD800 surrogate"]) {
            expect(await put(body)).to.deep.include({ error: "InvalidMessageContents", status: 400 });
        }
        expect((await put("\u0001")) as { message: string })
            .to.have.property("message")
            .that.contains("'#x1'");
        expect(await put("")).to.deep.include({ error: "InvalidParameterValue" });
        expect(await put("ok", { "AWS.reserved": { DataType: "String", StringValue: "v" } })).to.deep.include({
            error: "InvalidParameterValue",
        });
        expect(await put("ok", { a: { DataType: "Text", StringValue: "v" } })).to.deep.include({ error: "InvalidParameterValue" });
        expect(await put("ok", { n: { DataType: "Number", StringValue: "seven" } })).to.deep.include({ error: "InvalidParameterValue" });
    });

    it("answers hostile requests with errors, never a crash: bad JSON, wrong types, unknown operations, query protocol, oversize", async () => {
        const target = { "x-amz-target": "AmazonSQS.SendMessage" };
        expect(await rawJson(await raw("{not json", target))).to.deep.include({ status: 400, queryError: "SerializationException;Sender" });
        expect((await rawJson(await raw("[1,2]", target))).body.__type).to.equal("com.amazon.coral.service#SerializationException");
        const wrongType = await rawJson(await raw(JSON.stringify({ QueueUrl: queueUrl, MessageBody: 42 }), target));
        expect(wrongType).to.deep.include({ status: 400, queryError: "SerializationException;Sender" });
        expect(wrongType.body.message).to.equal("MessageBody must be a string; the request has a number.");
        expect((await rawJson(await raw(JSON.stringify({ QueueUrl: queueUrl }), target))).queryError).to.equal("MissingParameter;Sender");
        expect(
            (
                await rawJson(
                    await raw(JSON.stringify({ QueueUrl: queueUrl, MaxNumberOfMessages: 1.5 }), {
                        "x-amz-target": "AmazonSQS.ReceiveMessage",
                    }),
                )
            ).queryError,
        ).to.equal("SerializationException;Sender");
        expect(
            (await rawJson(await raw(JSON.stringify({ QueueUrl: queueUrl, MessageBody: "x", MessageAttributes: { a: "b" } }), target)))
                .status,
        ).to.equal(400);

        const noTarget = await rawJson(await raw("{}"));
        expect(noTarget).to.deep.include({ status: 400, queryError: "UnknownOperationException;Sender" });
        expect(noTarget.body.message).to.contain("X-Amz-Target: AmazonSQS.<Operation>");
        expect((await rawJson(await raw("{}", { "x-amz-target": "AmazonSQS.Frobnicate" }))).body.message).to.equal(
            "SQS has no operation Frobnicate.",
        );
        expect((await rawJson(await raw("{}", { "x-amz-target": "AmazonSQS.TagQueue" }))).queryError).to.equal(
            "AWS.SimpleQueueService.UnsupportedOperation;Sender",
        );
        expect((await rawJson(await raw("", {}, "GET"))).status).to.equal(400);

        for (const response of [
            await raw(`Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x`, {
                "content-type": "application/x-www-form-urlencoded",
            }),
            await fetch(`${service.endpoint}/?Action=ListQueues`),
        ]) {
            expect(response.status).to.equal(400);
            const xml = await response.text();
            expect(xml)
                .to.contain("<ErrorResponse")
                .and.contain("AWS JSON 1.0 protocol of AWS SDK v3")
                .and.contain("not the query protocol (Action=");
        }

        const oversized = await rawJson(await raw(" ".repeat(MAX_REQUEST_BYTES + 1), target));
        expect(oversized).to.deep.include({ status: 413 });
        expect(await counts()).to.deep.equal({ visible: 0, inFlight: 0, delayed: 0 });
        // Still serving.
        expect(await send("still here")).to.have.property("MessageId");
    });

    it("reads names from requests as names, never as members of an object's prototype", async () => {
        for (const name of ["constructor", "toString", "__proto__"]) {
            expect((await rawJson(await raw("{}", { "x-amz-target": `AmazonSQS.${name.replace(/_/g, "")}` }))).queryError).to.equal(
                "UnknownOperationException;Sender",
            );
            expect(
                await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name as "All"] })).catch(failure),
            ).to.deep.include({ error: "InvalidAttributeName" });
            expect((await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { [name]: "x" } }))).QueueUrl).to.equal(
                queueUrl,
            );
        }
        const body = JSON.stringify({
            QueueUrl: queueUrl,
            MessageBody: "proto",
            MessageAttributes: JSON.parse('{"__proto__": {"DataType": "String", "StringValue": "own"}}') as object,
        });
        expect((await raw(body, { "x-amz-target": "AmazonSQS.SendMessage" })).status).to.equal(200);
        const [message] = await receive({ MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["constructor" as "All"] });
        expect(Object.keys(message.MessageAttributes ?? {})).to.deep.equal(["__proto__"]);
        expect(message.Attributes).to.equal(undefined);
    });

    it("drops messages older than the queue's retention period", async () => {
        const url = service.queueUrl(short.name)!;
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "brief" }));
        expect(await counts(url)).to.deep.include({ visible: 1 });
        await sleep(1100);
        expect(await counts(url)).to.deep.include({ visible: 0 });
        expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).to.equal(undefined);
    });

    it("enqueues from inside the local cloud with send(), by ARN or name, waking a waiting receive", async () => {
        const waiting = receive({ WaitTimeSeconds: 10, MessageAttributeNames: ["All"] });
        await sleep(100);
        const id = service.send(queue.arn, '{"requestContext":{"condition":"RetriesExhausted"}}', {
            ErrorMessage: { DataType: "String", StringValue: "boom" },
        });
        const [message] = await waiting;
        expect(message).to.deep.include({ MessageId: id, Body: '{"requestContext":{"condition":"RetriesExhausted"}}' });
        expect(message.MessageAttributes).to.deep.equal({ ErrorMessage: { DataType: "String", StringValue: "boom" } });
        expect(lines.some((line) => line.includes(id))).to.be.true;
        expect(service.send(queue.name, "by name")).to.be.a("string");
        expect(() => service.send(`arn:aws:sqs:${REGION}:${ACCOUNT}:nope`, "x")).to.throw(
            /^No queue arn:aws:sqs:us-east-1:000000000000:nope in the program/,
        );
        expect(() => service.send(queue.arn, "\u0000")).to.throw(/^Could not send a message to queue test-\d+: Invalid binary character/);
    });
});

describe("the local SQS, started and stopped", function () {
    this.timeout(30_000);
    const options = (directory?: string) => ({ port: 0, region: REGION, accountId: ACCOUNT, directory, log: () => {} });
    const client = (service: SqsService) =>
        new SQSClient({ endpoint: service.endpoint, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    let directory: string;
    beforeEach(() => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "sw-sqs-"));
    });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it("refuses a FIFO queue, saying why", async () => {
        let refusal: unknown;
        await SqsService.start([queueSpec("jobs.fifo", { fifoQueue: true })], options()).catch((err: unknown) => (refusal = err));
        expect(String(refusal)).to.equal(
            "Error: Queue jobs.fifo is a FIFO queue; the local SQS serves standard queues only (no Lambda destination can be a FIFO queue).",
        );
    });

    it("answers a waiting long poll with no messages when it stops", async () => {
        const service = await SqsService.start([queueSpec("waits")], options());
        const sqs = client(service);
        const waiting = elapsedMs(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: service.queueUrl("waits"), WaitTimeSeconds: 20 })));
        await sleep(200);
        await service.stop();
        const { result, ms } = await waiting;
        expect(result.Messages).to.equal(undefined);
        expect(ms).to.be.below(2000);
        sqs.destroy();
    });

    it("keeps messages, their receive state and the queue's CreatedTimestamp across a restart with a directory", async () => {
        const spec = queueSpec("kept", { visibilityTimeoutSeconds: 60 });
        const first = await SqsService.start([spec], options(directory));
        let sqs = client(first);
        const url = first.queueUrl("kept")!;
        await sqs.send(
            new SendMessageCommand({
                QueueUrl: url,
                MessageBody: "one",
                MessageAttributes: { k: { DataType: "String", StringValue: "v" } },
            }),
        );
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "two" }));
        const [received] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
        const created = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["CreatedTimestamp"] }))).Attributes
            ?.CreatedTimestamp;
        sqs.destroy();
        await first.stop();
        expect(fs.readdirSync(directory)).to.deep.equal(["kept.json"]);

        const second = await SqsService.start([spec], options(directory));
        sqs = client(second);
        const again = second.queueUrl("kept")!;
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: again, AttributeNames: ["All"] }));
        expect(Attributes).to.deep.include({
            ApproximateNumberOfMessages: "1",
            ApproximateNumberOfMessagesNotVisible: "1",
            CreatedTimestamp: created,
        });
        // The receipt handle from before the restart still deletes its message.
        await sqs.send(new DeleteMessageCommand({ QueueUrl: again, ReceiptHandle: received.ReceiptHandle }));
        const [left] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: again, MessageAttributeNames: ["All"] }))).Messages ?? [];
        expect(left.Body).to.equal("two");
        sqs.destroy();
        await second.stop();

        // A file that is not a queue file is reported, and the queue starts empty.
        fs.writeFileSync(path.join(directory, "kept.json"), "{broken");
        const lines: string[] = [];
        const third = await SqsService.start([spec], { ...options(directory), log: (line: string) => lines.push(line) });
        sqs = client(third);
        expect(
            (
                await sqs.send(
                    new GetQueueAttributesCommand({ QueueUrl: third.queueUrl("kept"), AttributeNames: ["ApproximateNumberOfMessages"] }),
                )
            ).Attributes,
        ).to.deep.equal({
            ApproximateNumberOfMessages: "0",
        });
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^SQS kept: .*kept\.json is not a queue file this version wrote; starting empty\.$/);
        sqs.destroy();
        await third.stop();
    });

    it("writes changes soon after they happen, not only at stop", async () => {
        const service = await SqsService.start([queueSpec("soon")], options(directory));
        service.send("soon", "saved");
        await sleep(300);
        const saved = JSON.parse(fs.readFileSync(path.join(directory, "soon.json"), "utf8")) as { messages: { body: string }[] };
        expect(saved.messages.map((m) => m.body)).to.deep.equal(["saved"]);
        await service.stop();
    });
});
