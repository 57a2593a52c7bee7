import type { Json } from "../record/record-program";

/** What each local service is given of the recorded graph: plain values read once from its resources. */

export interface RouteSpec {
    routeKey: string;
    /** The integration's `integrationUri` (a function's `invokeArn`), if the route targets a Lambda integration. */
    integrationUri?: string;
    /** Two-way: a route response exists and the route selects it. */
    twoWay: boolean;
    authorizationType: "NONE" | "AWS_IAM" | "CUSTOM" | string;
    authorizer?: { id: string; functionUri: string; identitySources: string[] };
}

export interface ApiSpec {
    /** Logical name of the `apigatewayv2.Api`. */
    name: string;
    apiId: string;
    executionArn: string;
    selectionExpression: string;
    stage: string;
    routes: Map<string, RouteSpec>;
}

export interface FunctionSpec {
    /** Physical name, e.g. `echo-test-1a2b3c4`. */
    name: string;
    arn: string;
    handler: string;
    runtime: string;
    code: Json;
    /** Seconds. */
    timeout: number;
    memorySize: number;
    environment: Record<string, string>;
    reservedConcurrency?: number;
    logGroupName: string;
    /** Retries of a failed asynchronous invocation: its `FunctionEventInvokeConfig`, else Lambda's default 2 (B28, B29). */
    maximumRetryAttempts: number;
    /**
     * Where an asynchronous event that failed every attempt goes (B29): the `FunctionEventInvokeConfig`'s
     * `destinationConfig.onFailure.destination` and the function's `deadLetterConfig.targetArn`, each an ARN; both
     * when both are set, none when neither is.
     */
    onFailure: { kind: "destination" | "dead-letter-queue"; arn: string }[];
    /** `loggingConfig.logFormat`: `JSON` makes the runtime log one object per call (B41). @default "Text" */
    logFormat: "Text" | "JSON";
    /** `loggingConfig.applicationLogLevel`, honoured with the JSON format only, as on AWS. */
    applicationLogLevel?: string;
    /** Seconds an event may wait for a retry: the config's `maximumEventAgeInSeconds`, else 6 hours (B29). */
    maximumEventAgeSeconds: number;
}

/** An `aws.sqs.Queue`, with the attributes the local queue honours and SQS's defaults. */
export interface QueueSpec {
    name: string;
    arn: string;
    /** `https://sqs.{region}.amazonaws.com/{account}/{name}`, as the program's outputs name it. */
    url: string;
    /** @default 30 */
    visibilityTimeoutSeconds: number;
    /** @default 345600 (4 days) */
    messageRetentionSeconds: number;
    /** @default 0 */
    delaySeconds: number;
    /** @default 0 */
    receiveWaitTimeSeconds: number;
    /** @default 262144 */
    maxMessageSize: number;
    fifoQueue: boolean;
}

export interface TableSpec {
    name: string;
    hashKey: string;
    rangeKey?: string;
    attributes: { name: string; type: string }[];
    globalSecondaryIndexes: { name: string; hashKey: string; rangeKey?: string; projectionType?: string; nonKeyAttributes?: string[] }[];
    ttlAttribute?: string;
}

/** One rule of a bucket's CORS configuration, as `aws.s3.BucketCorsConfiguration` takes it. */
export interface CorsRuleSpec {
    id?: string;
    /** `GET`, `PUT`, `POST`, `DELETE` or `HEAD`. */
    allowedMethods: string[];
    /** Each with at most one `*` wildcard. */
    allowedOrigins: string[];
    /** The request headers a preflight may name, each with at most one `*`; matched case-insensitively. */
    allowedHeaders: string[];
    exposeHeaders: string[];
    maxAgeSeconds?: number;
}

export interface BucketSpec {
    /** Physical name. */
    name: string;
    /** Empty when CORS is not enabled: S3 then refuses every cross-origin preflight. */
    corsRules: CorsRuleSpec[];
}

export interface NotificationTarget {
    functionArn: string;
    events: string[];
    filterPrefix?: string;
    filterSuffix?: string;
}

export interface NotificationSpec {
    /** Logical name of the `s3.BucketNotification`, for messages. */
    name: string;
    bucket: string;
    targets: NotificationTarget[];
}
