import type { InvokeError } from "./execution-environment";

/** Why Lambda gave up on an asynchronous event (B29). */
export type FailureCondition = "RetriesExhausted" | "EventAgeExceeded";

export interface FailedEvent {
    requestId: string;
    functionArn: string;
    condition: FailureCondition;
    /** Attempts made, the first included. */
    approximateInvokeCount: number;
    event: unknown;
    error: InvokeError;
    now?: Date;
}

/**
 * The record an on-failure destination receives (B44), exactly as Lambda shapes it: the event as
 * `requestPayload`, the last error as `responsePayload`, the qualified function ARN.
 */
export function destinationRecord(failed: FailedEvent): string {
    return JSON.stringify({
        version: "1.0",
        timestamp: (failed.now ?? new Date()).toISOString(),
        requestContext: {
            requestId: failed.requestId,
            functionArn: `${failed.functionArn}:$LATEST`,
            condition: failed.condition,
            approximateInvokeCount: failed.approximateInvokeCount,
        },
        requestPayload: failed.event,
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        responsePayload: failed.error,
    });
}

/** A dead-letter message carries the first 1 KB of the error message (B44). */
const ERROR_MESSAGE_ATTRIBUTE_BYTES = 1024;

/**
 * A dead-letter queue's message (B44): the event itself as the body, and who failed and why as attributes
 * (`RequestID`, `ErrorCode` 200, `ErrorMessage`).
 */
export function deadLetterMessage(failed: FailedEvent): {
    body: string;
    attributes: Record<string, { DataType: "String" | "Number"; StringValue: string }>;
} {
    return {
        body: JSON.stringify(failed.event),
        attributes: {
            RequestID: { DataType: "String", StringValue: failed.requestId },
            ErrorCode: { DataType: "Number", StringValue: "200" },
            ErrorMessage: {
                DataType: "String",
                StringValue: Buffer.from(failed.error.errorMessage).subarray(0, ERROR_MESSAGE_ATTRIBUTE_BYTES).toString("utf8"),
            },
        },
    };
}
