import {
    checkBody,
    checkSize,
    md5OfMessageAttributes,
    messageSize,
    readMessageAttributes,
    selectAttributes,
    type MessageAttributes,
} from "./contents";
import { errors, SqsError } from "./errors";
import {
    integerBetween,
    optionalObject,
    optionalString,
    optionalStringList,
    requiredObjectList,
    requiredString,
    type JsonObject,
} from "./fields";
import { MAX_VISIBILITY_SECONDS, type Queue, type StoredMessage } from "./queue";

/** What an operation needs of the service around it. */
export interface OperationContext {
    /** The queue a `QueueUrl` names; QueueDoesNotExist for any other. */
    queueAt(queueUrl: string): Queue;
    queueNamed(name: string, ownerAccountId?: string): Queue | undefined;
    queues(): Queue[];
    /** The local URL clients are given for a queue. */
    urlOf(queue: Queue): string;
    /** Who sends: SentTimestamp's companion `SenderId`. */
    senderId: string;
    /** Aborted when the client goes away, so a waiting receive hides nothing for nobody. */
    signal: AbortSignal;
}

type Operation = (input: JsonObject, context: OperationContext) => object | Promise<object>;

const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_PAYLOAD = 1_048_576;
const MAX_DELAY_SECONDS = 900;
const MAX_WAIT_SECONDS = 20;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

const tableOf = <T>(entries: Record<string, T>): ReadonlyMap<string, T> => new Map(Object.entries(entries));

/**
 * The system attributes ReceiveMessage can return, by the names it is asked for. These tables are Maps so that a
 * request's names (`constructor`, `toString`) never reach an object's prototype.
 */
const SYSTEM_ATTRIBUTES = tableOf<(message: StoredMessage) => string | undefined>({
    SenderId: (m) => m.senderId,
    SentTimestamp: (m) => String(m.sentTimestamp),
    ApproximateReceiveCount: (m) => String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: (m) => (m.firstReceiveTimestamp === undefined ? undefined : String(m.firstReceiveTimestamp)),
    AWSTraceHeader: (m) => m.traceHeader,
});

/** Queue attributes GetQueueAttributes reports; the other names SQS knows are attributes these queues do not have. */
const QUEUE_ATTRIBUTES = tableOf<(queue: Queue, counts: ReturnType<Queue["counts"]>) => string>({
    QueueArn: (q) => q.spec.arn,
    ApproximateNumberOfMessages: (_, c) => String(c.visible),
    ApproximateNumberOfMessagesNotVisible: (_, c) => String(c.inFlight),
    ApproximateNumberOfMessagesDelayed: (_, c) => String(c.delayed),
    CreatedTimestamp: (q) => String(q.createdTimestamp),
    LastModifiedTimestamp: (q) => String(q.lastModifiedTimestamp),
    VisibilityTimeout: (q) => String(q.spec.visibilityTimeoutSeconds),
    MaximumMessageSize: (q) => String(q.spec.maxMessageSize),
    MessageRetentionPeriod: (q) => String(q.spec.messageRetentionSeconds),
    DelaySeconds: (q) => String(q.spec.delaySeconds),
    ReceiveMessageWaitTimeSeconds: (q) => String(q.spec.receiveWaitTimeSeconds),
});
const UNSET_QUEUE_ATTRIBUTES = new Set([
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
]);

/** CreateQueue's attributes that these queues have, with the spec setting each must equal. */
const CREATE_QUEUE_SETTINGS = tableOf<(queue: Queue) => string>({
    VisibilityTimeout: (q) => String(q.spec.visibilityTimeoutSeconds),
    MessageRetentionPeriod: (q) => String(q.spec.messageRetentionSeconds),
    DelaySeconds: (q) => String(q.spec.delaySeconds),
    ReceiveMessageWaitTimeSeconds: (q) => String(q.spec.receiveWaitTimeSeconds),
    MaximumMessageSize: (q) => String(q.spec.maxMessageSize),
    FifoQueue: () => "false",
});

/** A message to enqueue, checked as SendMessage checks it: characters, size, delay. */
export function enqueue(
    queue: Queue,
    message: { body: string; attributes: MessageAttributes; delaySeconds?: number; senderId: string; traceHeader?: string },
): StoredMessage {
    checkBody(message.body);
    checkSize(message.body, message.attributes, queue.spec.maxMessageSize);
    return queue.send({ ...message, delaySeconds: message.delaySeconds ?? queue.spec.delaySeconds });
}

/** A SendMessage (or batch entry) request's message, read but not yet checked against the queue. */
function readMessage(input: JsonObject) {
    const traceHeader = optionalObject(optionalObject(input, "MessageSystemAttributes") ?? {}, "AWSTraceHeader");
    if (optionalString(input, "MessageDeduplicationId") !== undefined) {
        throw errors.invalidParameterValue(
            "The request includes a parameter that is not valid for this queue type: MessageDeduplicationId is for FIFO queues.",
        );
    }
    return {
        body: requiredString(input, "MessageBody"),
        attributes: readMessageAttributes(optionalObject(input, "MessageAttributes")),
        delaySeconds: integerBetween(input, "DelaySeconds", 0, MAX_DELAY_SECONDS),
        traceHeader: traceHeader ? requiredString(traceHeader, "StringValue") : undefined,
    };
}

function sentReply(message: StoredMessage) {
    return {
        MessageId: message.messageId,
        MD5OfMessageBody: message.md5OfBody,
        ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
        ...(message.traceHeader !== undefined
            ? {
                  MD5OfMessageSystemAttributes: md5OfMessageAttributes({
                      AWSTraceHeader: { DataType: "String", StringValue: message.traceHeader },
                  }),
              }
            : {}),
    };
}

/** A batch's entries, refused whole as SQS refuses them: none, more than ten, a bad or repeated Id. */
function batchEntries(input: JsonObject, entryType: string): (JsonObject & { Id: string })[] {
    const entries = requiredObjectList(input, "Entries");
    if (entries.length === 0) throw errors.emptyBatchRequest(entryType);
    if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooManyEntriesInBatchRequest(entries.length);
    const ids = new Set<string>();
    for (const entry of entries) {
        const id = requiredString(entry, "Id");
        if (!BATCH_ENTRY_ID.test(id)) throw errors.invalidBatchEntryId();
        if (ids.has(id)) throw errors.batchEntryIdsNotDistinct(id);
        ids.add(id);
    }
    return entries as (JsonObject & { Id: string })[];
}

interface BatchFailure {
    Id: string;
    SenderFault: boolean;
    Code: string;
    Message: string;
}

/** An entry's own failure goes in `Failed`; a request SQS cannot read at all fails whole. */
function entryFailure(id: string, err: unknown): BatchFailure {
    if (!(err instanceof SqsError) || err.shape.endsWith("#SerializationException")) throw err;
    return { Id: id, SenderFault: err.fault === "Sender", Code: err.queryCode, Message: err.message };
}

const batchReply = (successful: object[], failed: BatchFailure[]) => ({ Successful: successful, Failed: failed });

const sendMessage: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    return sentReply(enqueue(queue, { ...readMessage(input), senderId: context.senderId }));
};

const sendMessageBatch: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    const failed: BatchFailure[] = [];
    const accepted: { id: string; message: ReturnType<typeof readMessage> }[] = [];
    let payload = 0;
    for (const entry of batchEntries(input, "SendMessageBatchRequestEntry")) {
        try {
            const message = readMessage(entry);
            payload += messageSize(message.body, message.attributes);
            checkBody(message.body);
            checkSize(message.body, message.attributes, queue.spec.maxMessageSize);
            accepted.push({ id: entry.Id, message });
        } catch (err) {
            failed.push(entryFailure(entry.Id, err));
        }
    }
    if (payload > MAX_BATCH_PAYLOAD) throw errors.batchRequestTooLong(payload);
    const successful = accepted.map(({ id, message }) => ({
        Id: id,
        ...sentReply(enqueue(queue, { ...message, senderId: context.senderId })),
    }));
    return batchReply(successful, failed);
};

const receiveMessage: Operation = async (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    const max = integerBetween(input, "MaxNumberOfMessages", 1, MAX_BATCH_ENTRIES) ?? 1;
    const visibilityTimeout = integerBetween(input, "VisibilityTimeout", 0, MAX_VISIBILITY_SECONDS) ?? queue.spec.visibilityTimeoutSeconds;
    const waitSeconds = integerBetween(input, "WaitTimeSeconds", 0, MAX_WAIT_SECONDS) ?? queue.spec.receiveWaitTimeSeconds;
    const systemNames = [
        ...(optionalStringList(input, "AttributeNames") ?? []),
        ...(optionalStringList(input, "MessageSystemAttributeNames") ?? []),
    ];
    const attributeNames = optionalStringList(input, "MessageAttributeNames") ?? [];
    const deadline = Date.now() + waitSeconds * 1000;
    let received: StoredMessage[];
    for (;;) {
        // A client gone while it waited takes nothing: a message hidden for nobody would look lost.
        if (context.signal.aborted) return {};
        received = queue.receive(max, visibilityTimeout);
        if (received.length > 0 || queue.isClosed || Date.now() >= deadline) break;
        await queue.waitForMessages(deadline, context.signal);
    }
    if (received.length === 0) return {};
    return { Messages: received.map((message) => receivedMessage(message, systemNames, attributeNames)) };
};

function receivedMessage(message: StoredMessage, systemNames: string[], attributeNames: string[]) {
    const wanted = systemNames.includes("All") ? [...SYSTEM_ATTRIBUTES.keys()] : systemNames;
    const systemAttributes = Object.fromEntries(
        wanted.flatMap((name) => {
            const value = SYSTEM_ATTRIBUTES.get(name)?.(message);
            return value === undefined ? [] : [[name, value]];
        }),
    );
    const attributes = selectAttributes(message.attributes, attributeNames);
    // The digest covers the attributes returned, which is what a client can check it against.
    const attributesDigest = md5OfMessageAttributes(attributes);
    return {
        MessageId: message.messageId,
        ReceiptHandle: message.receipt!.handle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(Object.keys(systemAttributes).length > 0 ? { Attributes: systemAttributes } : {}),
        ...(attributesDigest ? { MessageAttributes: attributes, MD5OfMessageAttributes: attributesDigest } : {}),
    };
}

const deleteMessage: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    queue.delete(requiredString(input, "ReceiptHandle"));
    return {};
};

const deleteMessageBatch: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    const successful: { Id: string }[] = [];
    const failed: BatchFailure[] = [];
    for (const entry of batchEntries(input, "DeleteMessageBatchRequestEntry")) {
        try {
            queue.delete(requiredString(entry, "ReceiptHandle"));
            successful.push({ Id: entry.Id });
        } catch (err) {
            failed.push(entryFailure(entry.Id, err));
        }
    }
    return batchReply(successful, failed);
};

function visibilityTimeoutOf(input: JsonObject): number {
    const seconds = integerBetween(input, "VisibilityTimeout", 0, MAX_VISIBILITY_SECONDS);
    if (seconds === undefined) throw errors.missingParameter("VisibilityTimeout");
    return seconds;
}

const changeMessageVisibility: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    queue.changeVisibility(requiredString(input, "ReceiptHandle"), visibilityTimeoutOf(input));
    return {};
};

const changeMessageVisibilityBatch: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    const successful: { Id: string }[] = [];
    const failed: BatchFailure[] = [];
    for (const entry of batchEntries(input, "ChangeMessageVisibilityBatchRequestEntry")) {
        try {
            queue.changeVisibility(requiredString(entry, "ReceiptHandle"), visibilityTimeoutOf(entry));
            successful.push({ Id: entry.Id });
        } catch (err) {
            failed.push(entryFailure(entry.Id, err));
        }
    }
    return batchReply(successful, failed);
};

const getQueueAttributes: Operation = (input, context) => {
    const queue = context.queueAt(requiredString(input, "QueueUrl"));
    const requested = optionalStringList(input, "AttributeNames") ?? [];
    for (const name of requested) {
        if (name !== "All" && !QUEUE_ATTRIBUTES.has(name) && !UNSET_QUEUE_ATTRIBUTES.has(name)) {
            throw errors.invalidAttributeName(`Unknown Attribute ${name}.`);
        }
    }
    const names = requested.includes("All") ? [...QUEUE_ATTRIBUTES.keys()] : requested.filter((name) => QUEUE_ATTRIBUTES.has(name));
    if (names.length === 0) return {};
    const counts = queue.counts();
    return { Attributes: Object.fromEntries(names.map((name) => [name, QUEUE_ATTRIBUTES.get(name)!(queue, counts)])) };
};

const getQueueUrl: Operation = (input, context) => {
    const queue = context.queueNamed(requiredString(input, "QueueName"), optionalString(input, "QueueOwnerAWSAccountId"));
    if (!queue) throw errors.queueDoesNotExist();
    return { QueueUrl: context.urlOf(queue) };
};

const listQueues: Operation = (input, context) => {
    const prefix = optionalString(input, "QueueNamePrefix") ?? "";
    const maxResults = integerBetween(input, "MaxResults", 1, 1000);
    const token = optionalString(input, "NextToken");
    const start = token === undefined ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
    if (!Number.isSafeInteger(start) || start < 0) throw errors.invalidParameterValue("Invalid NextToken value.");
    const matching = context.queues().filter((queue) => queue.spec.name.startsWith(prefix));
    const page = matching.slice(start, start + (maxResults ?? 1000));
    const next = start + page.length;
    return {
        ...(page.length > 0 ? { QueueUrls: page.map((queue) => context.urlOf(queue)) } : {}),
        ...(maxResults !== undefined && next < matching.length ? { NextToken: Buffer.from(String(next)).toString("base64url") } : {}),
    };
};

const purgeQueue: Operation = (input, context) => {
    context.queueAt(requiredString(input, "QueueUrl")).purge();
    return {};
};

/** The program's queues exist already: CreateQueue answers for one of them, with the same settings, as SQS does. */
const createQueue: Operation = (input, context) => {
    const name = requiredString(input, "QueueName");
    const queue = context.queueNamed(name);
    if (!queue) {
        throw errors.unsupportedOperation(
            `The local SQS serves the queues the Pulumi program declares, and ${name} is not one of them; declare it as an aws.sqs.Queue in the program.`,
        );
    }
    for (const [attribute, value] of Object.entries(optionalObject(input, "Attributes") ?? {})) {
        const expected = CREATE_QUEUE_SETTINGS.get(attribute)?.(queue);
        if (expected !== undefined && String(value) !== expected) {
            throw errors.queueNameExists(`A queue already exists with the same name and a different value for attribute ${attribute}`);
        }
    }
    return { QueueUrl: context.urlOf(queue) };
};

const deleteQueue: Operation = (input, context) => {
    context.queueAt(requiredString(input, "QueueUrl"));
    throw errors.unsupportedOperation(
        "The local SQS serves the queues the Pulumi program declares; remove the queue from the program rather than deleting it.",
    );
};

export const OPERATIONS = tableOf<Operation>({
    GetQueueUrl: getQueueUrl,
    ListQueues: listQueues,
    CreateQueue: createQueue,
    DeleteQueue: deleteQueue,
    SendMessage: sendMessage,
    SendMessageBatch: sendMessageBatch,
    ReceiveMessage: receiveMessage,
    DeleteMessage: deleteMessage,
    DeleteMessageBatch: deleteMessageBatch,
    ChangeMessageVisibility: changeMessageVisibility,
    ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
    GetQueueAttributes: getQueueAttributes,
    PurgeQueue: purgeQueue,
});

/** SQS operations the local SQS does not serve: UnsupportedOperation rather than an unknown operation. */
export const UNSERVED_OPERATIONS = new Set([
    "AddPermission",
    "RemovePermission",
    "SetQueueAttributes",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "ListDeadLetterSourceQueues",
    "StartMessageMoveTask",
    "CancelMessageMoveTask",
    "ListMessageMoveTasks",
]);
