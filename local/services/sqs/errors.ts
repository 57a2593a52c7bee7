/**
 * An SQS error as the JSON protocol answers it: `{"__type": shape, "message"}` in the body and
 * `x-amzn-query-error: <query code>;Sender` in a header, which is where AWS SDK v3 (query-compatible) reads the
 * error's name from.
 */
export class SqsError extends Error {
    constructor(
        /** `__type`: the model's shape ID for modeled errors, AWS's framework name for the others. */
        readonly shape: string,
        /** The query protocol's error code, sent in `x-amzn-query-error`. */
        readonly queryCode: string,
        readonly status: number,
        message: string,
        readonly fault: "Sender" | "Receiver" = "Sender",
    ) {
        super(message);
    }
}

/** Errors in SQS's model: shape, query code and status as `@aws-sdk/client-sqs` declares them. */
const modeled =
    (shape: string, queryCode: string, status = 400) =>
    (message: string) =>
        new SqsError(`com.amazonaws.sqs#${shape}`, queryCode, status, message);

/** Errors outside SQS's model, which AWS answers with its service framework's names. */
const unmodeled =
    (type: string, queryCode: string, status = 400) =>
    (message: string) =>
        new SqsError(`com.amazon.coral.service#${type}`, queryCode, status, message);

export const errors = {
    queueDoesNotExist: () => modeled("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")("The specified queue does not exist."),
    receiptHandleIsInvalid: (handle: string) =>
        modeled(
            "ReceiptHandleIsInvalid",
            "ReceiptHandleIsInvalid",
            404,
        )(`The input receipt handle "${handle}" is not a valid receipt handle.`),
    messageNotInflight: modeled("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"),
    invalidAttributeName: modeled("InvalidAttributeName", "InvalidAttributeName"),
    invalidMessageContents: modeled("InvalidMessageContents", "InvalidMessageContents"),
    tooManyEntriesInBatchRequest: (sent: number) =>
        modeled(
            "TooManyEntriesInBatchRequest",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        )(`Maximum number of entries per request are 10. You have sent ${sent}.`),
    emptyBatchRequest: (entryType: string) =>
        modeled(
            "EmptyBatchRequest",
            "AWS.SimpleQueueService.EmptyBatchRequest",
        )(`There should be at least one ${entryType} in the request.`),
    batchEntryIdsNotDistinct: (id: string) =>
        modeled("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")(`Id ${id} repeated.`),
    invalidBatchEntryId: () =>
        modeled(
            "InvalidBatchEntryId",
            "AWS.SimpleQueueService.InvalidBatchEntryId",
        )("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."),
    batchRequestTooLong: (bytes: number) =>
        modeled(
            "BatchRequestTooLong",
            "AWS.SimpleQueueService.BatchRequestTooLong",
        )(`Batch requests cannot be longer than 1048576 bytes. You have sent ${bytes} bytes.`),
    purgeQueueInProgress: (queueName: string) =>
        modeled(
            "PurgeQueueInProgress",
            "AWS.SimpleQueueService.PurgeQueueInProgress",
            403,
        )(`Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`),
    unsupportedOperation: modeled("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"),
    queueNameExists: modeled("QueueNameExists", "QueueAlreadyExists"),
    invalidParameterValue: unmodeled("InvalidParameterValueException", "InvalidParameterValue"),
    missingParameter: (name: string) =>
        unmodeled("MissingRequiredParameterException", "MissingParameter")(`The request must contain the parameter ${name}.`),
    serialization: unmodeled("SerializationException", "SerializationException"),
    unknownOperation: unmodeled("UnknownOperationException", "UnknownOperationException"),
    requestTooLarge: unmodeled("RequestEntityTooLargeException", "RequestEntityTooLarge", 413),
    internal: (message: string) => new SqsError("com.amazon.coral.service#InternalFailure", "InternalFailure", 500, message, "Receiver"),
};
