// Written here rather than embedded: of the Node.js SQS emulators on npm, only local-aws-sqs (2.0.2, 2026) speaks the
// JSON protocol, and a JSON request without X-Amz-Target crashes its process, it buffers request bodies without
// bound, reads malformed JSON as {}, and keeps messages in private fields (no persistence, no in-process send);
// fauxqs needs Node.js 22.5 (node:sqlite), elasticmq and serverless-offline-sqs need Java, sqslite speaks only the
// query protocol, and sqs-mock mocks the v2 client rather than serving HTTP.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { QueueSpec } from "../../graph/specs";
import { close, listen, readBodyUpTo } from "../http";
import { deniedMessage, type AccessControl } from "../iam/access-control";
import { messageSize, readMessageAttributes, type MessageAttributes } from "./contents";
import { errors, SqsError } from "./errors";
import { isObject, type JsonObject } from "./fields";
import { enqueue, OPERATIONS, UNSERVED_OPERATIONS, type OperationContext } from "./operations";
import { QueueFiles } from "./persistence";
import { Queue } from "./queue";

export interface SqsServiceOptions {
    port: number;
    region: string;
    accountId: string;
    /** Where messages are kept across restarts; without it they live in memory only. */
    directory?: string;
    /** IAM for the functions' calls (P3); none: every call allowed. */
    access?: AccessControl;
    log: (line: string) => void;
}

/**
 * The most a request body may be: SendMessageBatch carries up to 1 MiB of messages, which JSON escaping (`"` and
 * `\` as two characters) can at most double, plus room for the entries around them. Bytes past it are not kept.
 */
export const MAX_REQUEST_BYTES = 2 * 1_048_576 + 64 * 1024;

const JSON_CONTENT_TYPE = "application/x-amz-json-1.0";
const TARGET = /^AmazonSQS\.([A-Za-z]+)$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const QUEUE_PATH = /^\/([^/]+)\/([^/]+)\/?$/;

/**
 * The program's standard SQS queues behind SQS's JSON protocol (what `@aws-sdk/client-sqs` v3 speaks), on loopback.
 * Queues come only from the program: CreateQueue answers for one of them, DeleteQueue is refused. Signatures are
 * not checked, as dynalite does not check them; a function's call is authorized against its role and the queue's
 * policy.
 */
export class SqsService {
    /** Requests read and being answered, which stop() lets finish. */
    private readonly operations = new Set<Promise<void>>();

    private constructor(
        private readonly server: Server,
        readonly endpoint: string,
        private readonly queues: Map<string, Queue>,
        private readonly options: SqsServiceOptions,
        private readonly files: QueueFiles | undefined,
    ) {}

    static async start(specs: QueueSpec[], options: SqsServiceOptions): Promise<SqsService> {
        for (const spec of specs) {
            if (spec.fifoQueue) {
                throw new Error(
                    `Queue ${spec.name} is a FIFO queue; the local SQS serves standard queues only (no Lambda destination can be a FIFO queue).`,
                );
            }
            if (!QUEUE_NAME.test(spec.name))
                throw new Error(`Queue name ${JSON.stringify(spec.name)} is not one SQS allows (1 to 80 of A-Z a-z 0-9 _ -).`);
        }
        const files = options.directory ? new QueueFiles(options.directory, options.log) : undefined;
        const queues = new Map<string, Queue>();
        for (const spec of specs) {
            const restored = files?.load(spec);
            const nowSeconds = Math.floor(Date.now() / 1000);
            const queue: Queue = new Queue(
                spec,
                restored?.createdTimestamp ?? nowSeconds,
                restored?.lastModifiedTimestamp ?? nowSeconds,
                restored?.messages ?? [],
                () => files?.schedule(queue),
            );
            queues.set(spec.name, queue);
        }
        const server = createServer();
        const port = await listen(server, options.port);
        const service = new SqsService(server, `http://127.0.0.1:${port}`, queues, options, files);
        // No request is read before this continuation runs: connections are accepted on a later turn.
        server.on("request", (req: IncomingMessage, res: ServerResponse) => void service.handle(req, res));
        return service;
    }

    /** The local URL of a queue, by name or ARN: `${endpoint}/${accountId}/${name}`. */
    queueUrl(nameOrArn: string): string | undefined {
        const queue = this.find(nameOrArn);
        return queue && this.urlOf(queue);
    }

    /**
     * Enqueues a message from inside the local cloud (Lambda's failure destination), checked as SendMessage checks
     * one; returns its MessageId.
     */
    send(
        queueArn: string,
        body: string,
        messageAttributes?: Record<string, { DataType: "String" | "Number"; StringValue: string }>,
    ): string {
        const queue = this.find(queueArn);
        if (!queue) {
            throw new Error(`No queue ${queueArn} in the program; the local SQS has ${[...this.queues.keys()].join(", ") || "no queues"}.`);
        }
        let attributes: MessageAttributes;
        let messageId: string;
        try {
            attributes = readMessageAttributes(messageAttributes);
            messageId = enqueue(queue, { body, attributes, senderId: this.options.accountId }).messageId;
        } catch (err) {
            throw new Error(`Could not send a message to queue ${queue.spec.name}: ${err instanceof Error ? err.message : String(err)}`, {
                cause: err,
            });
        }
        this.options.log(`SQS ${queue.spec.name}: message ${messageId} sent (${messageSize(body, attributes)} bytes)`);
        return messageId;
    }

    /**
     * Answers waiting receives with no messages, finishes the operations under way, saves the messages, stops
     * listening. A request still sending its body is cut off rather than waited for.
     */
    async stop(): Promise<void> {
        for (const queue of this.queues.values()) queue.close();
        await Promise.all(this.operations);
        await this.files?.flush(this.queues.values());
        await close(this.server);
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const requestId = randomUUID();
        let body: Buffer | undefined;
        try {
            body = await readBodyUpTo(req, MAX_REQUEST_BYTES);
        } catch {
            return; // The client went away mid-body: there is no one to answer.
        }
        const operation = this.respond(req, res, requestId, body);
        this.operations.add(operation);
        await operation;
        this.operations.delete(operation);
    }

    private async respond(req: IncomingMessage, res: ServerResponse, requestId: string, body: Buffer | undefined): Promise<void> {
        try {
            const queryAction = queryProtocolAction(req, body);
            if (queryAction !== undefined) return answerQueryProtocol(res, requestId, queryAction);
            const reply = await this.dispatch(req, res, body);
            answer(res, 200, requestId, reply);
        } catch (err) {
            const error = err instanceof SqsError ? err : errors.internal(`The local SQS failed: ${String(err)}`);
            if (!(err instanceof SqsError)) this.options.log(`SQS: ${req.headers["x-amz-target"] ?? req.url} failed: ${String(err)}`);
            answer(res, error.status, requestId, { __type: error.shape, message: error.message }, `${error.queryCode};${error.fault}`);
        }
    }

    private async dispatch(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<object> {
        const path = req.url ?? "/";
        if (req.method !== "POST") {
            throw errors.unknownOperation(`The local SQS answers POST requests in the AWS JSON 1.0 protocol, not ${req.method} ${path}.`);
        }
        const target = String(req.headers["x-amz-target"] ?? "");
        const operationName = TARGET.exec(target)?.[1];
        if (operationName === undefined) {
            throw errors.unknownOperation(
                `The local SQS speaks the AWS JSON 1.0 protocol: it needs X-Amz-Target: AmazonSQS.<Operation> and Content-Type: ${JSON_CONTENT_TYPE}${target ? `, not X-Amz-Target: ${target}` : ""}.`,
            );
        }
        const operation = OPERATIONS.get(operationName);
        if (!operation) {
            if (UNSERVED_OPERATIONS.has(operationName)) throw errors.unsupportedOperation(`The local SQS does not serve ${operationName}.`);
            throw errors.unknownOperation(`SQS has no operation ${operationName}.`);
        }
        if (body === undefined) {
            throw errors.requestTooLarge(`The request body is over ${MAX_REQUEST_BYTES} bytes, more than any SQS request can need.`);
        }
        const input = parseInput(body);
        this.authorize(req, operationName, input);
        const controller = new AbortController();
        res.once("close", () => {
            if (!res.writableFinished) controller.abort();
        });
        return operation(input, this.context(req, controller.signal));
    }

    /**
     * Refuses a function's call its role and the queue's policy do not allow, as SQS does (P3, P4): 403
     * `AccessDenied`, the action in lower case in the message. A batch asks for its single action
     * (`SendMessageBatch` → `sqs:SendMessage`), ListQueues for `*`.
     */
    private authorize(req: IncomingMessage, operation: string, input: JsonObject): void {
        const access = this.options.access;
        const caller = access?.callerOfRequest(req);
        if (caller === undefined) return;
        const { region, accountId } = this.options;
        const named = (name: unknown) => `arn:aws:sqs:${region}:${accountId}:${String(name)}`;
        let resource = "*";
        if (typeof input.QueueUrl === "string") {
            try {
                resource = this.queueAt(input.QueueUrl).spec.arn;
            } catch {
                resource = named(QUEUE_PATH.exec(safePath(input.QueueUrl))?.[2] ?? input.QueueUrl);
            }
        } else if (operation === "CreateQueue" || operation === "GetQueueUrl") {
            resource = named(input.QueueName);
        }
        const action = `sqs:${operation.replace(/Batch$/, "")}`;
        const denial = access!.check(caller, [{ action, resource }], access!.queuePolicy(resource));
        if (denial) {
            const message = deniedMessage({ ...denial, action: denial.action.toLowerCase() });
            throw new SqsError("com.amazon.coral.service#AccessDeniedException", "AccessDenied", 403, message);
        }
    }

    private context(req: IncomingMessage, signal: AbortSignal): OperationContext {
        return {
            queueAt: (queueUrl) => this.queueAt(queueUrl),
            queueNamed: (name, ownerAccountId) => {
                const queue = this.queues.get(name);
                return queue && (ownerAccountId === undefined || this.accountsOf(queue).includes(ownerAccountId)) ? queue : undefined;
            },
            queues: () => [...this.queues.values()],
            urlOf: (queue) => this.urlOf(queue),
            senderId: accessKeyOf(req) ?? this.options.accountId,
            signal,
        };
    }

    /** Any URL (local, SQS's own, another host) whose path is `/<account>/<name>` names the queue. */
    private queueAt(queueUrl: string): Queue {
        const match = QUEUE_PATH.exec(safePath(queueUrl));
        const queue = match ? this.queues.get(match[2]) : undefined;
        if (!queue || !this.accountsOf(queue).includes(match![1])) throw errors.queueDoesNotExist();
        return queue;
    }

    /** The local cloud's account, and the one the program's outputs name the queue under. */
    private accountsOf(queue: Queue): string[] {
        return [this.options.accountId, queue.spec.arn.split(":")[4]];
    }

    private find(nameOrArn: string): Queue | undefined {
        const byName = this.queues.get(nameOrArn);
        if (byName) return byName;
        const [, , service, , account, name] = nameOrArn.split(":");
        const queue = service === "sqs" && name !== undefined ? this.queues.get(name) : undefined;
        return queue && (queue.spec.arn === nameOrArn || this.accountsOf(queue).includes(account)) ? queue : undefined;
    }

    private urlOf(queue: Queue): string {
        return `${this.endpoint}/${this.options.accountId}/${queue.spec.name}`;
    }
}

/** A URL's path, or the text itself when it is not a URL: a bare path names the queue too. */
function safePath(url: string): string {
    try {
        return new URL(url).pathname;
    } catch {
        return url;
    }
}

function parseInput(body: Buffer): JsonObject {
    if (body.length === 0) return {};
    let input: unknown;
    try {
        input = JSON.parse(body.toString("utf8"));
    } catch (err) {
        throw errors.serialization(`The request body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isObject(input)) throw errors.serialization("The request body must be a JSON object.");
    return input;
}

/** The Action of a query-protocol request (form-encoded, or `?Action=`), which the local SQS does not speak. */
function queryProtocolAction(req: IncomingMessage, body: Buffer | undefined): string | undefined {
    const query = new URL(req.url ?? "/", "http://local").searchParams;
    const form = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    const formBody = body !== undefined && (form || !req.headers["x-amz-target"]) ? new URLSearchParams(body.toString("utf8")) : undefined;
    if (query.has("Action")) return query.get("Action") ?? "";
    if (formBody?.has("Action")) return formBody.get("Action") ?? "";
    return form ? "" : undefined;
}

/** In XML, which is what a query-protocol client can read. */
function answerQueryProtocol(res: ServerResponse, requestId: string, action: string): void {
    const message =
        `The local SQS speaks the AWS JSON 1.0 protocol of AWS SDK v3 (X-Amz-Target: AmazonSQS.<Operation>, Content-Type: ${JSON_CONTENT_TYPE}), ` +
        `not the query protocol${action ? ` (Action=${action})` : ""}; use @aws-sdk/client-sqs v3 or a current AWS CLI.`;
    const xml =
        `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>` +
        `<Code>AWS.SimpleQueueService.UnsupportedOperation</Code><Message>${escapeXml(message)}</Message><Detail/></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    res.writeHead(400, { "content-type": "text/xml", "x-amzn-requestid": requestId }).end(xml);
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function answer(res: ServerResponse, status: number, requestId: string, body: object, queryError?: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
        "content-type": JSON_CONTENT_TYPE,
        "x-amzn-requestid": requestId,
        ...(queryError ? { "x-amzn-query-error": queryError } : {}),
    }).end(JSON.stringify(body));
}

/** The access key a request is signed with, which stands in for the IAM identity SQS reports as SenderId. */
function accessKeyOf(req: IncomingMessage): string | undefined {
    return /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];
}
