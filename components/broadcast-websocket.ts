import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CHANNEL_ACTIONS } from "../protocol/channels";
import { channelRouteHandler, type AuthorizeSubscribe } from "../handlers/channels";
import { connectHandler, connectOptionsFromEnvironment } from "../handlers/connect";
import { connectionStoreFromEnvironment } from "../handlers/connections";
import { disconnectHandler } from "../handlers/disconnect";
import { publisherFromEnvironment } from "../handlers/publish";
import { s3FanoutHandler } from "../handlers/s3-fanout";
import { fanoutSegmentHandler, segmentDispatcherFromEnvironment } from "../handlers/segmented-fanout";
import { subscriptionStoreFromEnvironment } from "../handlers/subscriptions";
import { DEFAULT_UPLOAD_MAX_BYTES, uploadSignerFromEnvironment } from "../handlers/uploads";
import { createConnectionsTable, createSubscriptionsTable, type ConnectionsTableArgs } from "./connections-table";
import { DEFAULT_ROUTE_SELECTION_EXPRESSION, INTEGRATION_TIMEOUT_SECONDS } from "./defaults";
import { HandlerFunction, mergeFunctionSettings } from "./handler-function";
import { policyDocument, type PolicyStatement } from "./policy";
import { withUnknownRouteReply } from "./unknown-route";
import { InvalidArgumentError, requireIntegerInRange } from "./validation";
import { WatchedBucket } from "./watched-bucket";
import { apiSettings, WebSocketApi, type WebSocketApiSettings } from "./websocket-api";
import { isRouteArgs, WebSocketRoute, type RequestAuthorizerArgs, type RouteArgs, type RouteHandler } from "./websocket-route";

export interface BroadcastWebSocketArgs extends WebSocketApiSettings {
    /**
     * The bucket to watch: an `aws.s3.Bucket`, a bucket name, or a bucket ARN. Its notification configuration is
     * replaced by this component's (S3 allows one per bucket). None: a bucket is created with public access
     * blocked, a TLS-only policy, default encryption and versioning.
     * @default a new bucket
     */
    bucket?: aws.s3.Bucket | string;
    /** Versioning of a created bucket. @default true */
    versioning?: boolean;
    /** Let `pulumi destroy` delete a created bucket that still holds objects. @default false */
    forceDestroy?: boolean;
    /**
     * S3 events to broadcast.
     * @default ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
     */
    events?: string[];
    /** Only keys with this prefix. @example "uploads/" */
    filterPrefix?: string;
    /** Only keys with this suffix. @example ".jpg" */
    filterSuffix?: string;
    /**
     * Extra routes by route key, as in `WebSocketApi`. Their functions get `broadcastEnvironment` (the tables,
     * the `@connections` endpoint, `CHANNEL_MAX_BYTES`); call `grantPublish` or `grantBroadcast` to let one send.
     * The channel protocol's route keys (`subscribe`, `unsubscribe`, `ping`, `upload`) are taken.
     * @default {}
     */
    routes?: Record<string, RouteHandler | RouteArgs>;
    /** The S3-triggered fan-out function. */
    fanout?: {
        /** Posts in flight at once. @default 50 */
        concurrency?: number;
        /** Memory in MB: request signing is CPU-bound, and CPU grows with memory. @default 1024 */
        memorySize?: number;
        /** Timeout in seconds (up to 900). @default 300 */
        timeout?: number;
        /** Reserved concurrency. @default unreserved */
        reservedConcurrency?: number;
        /**
         * Worker invocations to split each fan-out into (1 to 1000). Above 1, the S3-triggered function invokes a
         * worker function K times asynchronously, each posting to the subscribers in its range of the subscription
         * rows' 1,000 shards, so one event reaches more clients than one invocation could post to before its timeout.
         * @default 1: the S3-triggered function posts to every connection itself
         * @example 8
         */
        segments?: number;
        /**
         * With `segments` above 1, split only when the event's channels hold more than this many subscriptions; at
         * or below it a single worker invocation posts to all of them. Counting costs Queries of up to this many keys.
         * @default 0: always split
         * @example 5000
         */
        segmentAbove?: number;
        /**
         * An SQS queue that keeps events whose fan-out still failed after Lambda's two retries. Turn it off only
         * if losing such an event is acceptable.
         * @default true
         */
        failedEventsQueue?: boolean;
    };
    /** Channels: who hears which events (docs/channels.md). */
    channels?: ChannelsArgs;
    /**
     * Hand out presigned PUT URLs into the watched bucket over the socket (`{"action":"upload","key"}`), for keys
     * under `prefix` and under a channel the connection is subscribed to. A created bucket gets a CORS rule so
     * browsers may PUT; for a bucket you bring, add one yourself.
     * @default false
     * Without an authorizer (and `authorizeSubscribe`), anyone who connects may upload under the prefix.
     * @example { prefix: "uploads/", maxBytes: 5_000_000, allowedOrigins: ["https://app.example.com"] }
     */
    uploads?: boolean | UploadsArgs;
    /** The connections and subscriptions tables. */
    table?: ConnectionsTableArgs;
    /**
     * Who may connect: "AWS_IAM" or a Lambda REQUEST authorizer, whose `principalId` is stored with the connection.
     * @default none: anyone may connect
     */
    authorizer?: "AWS_IAM" | RequestAuthorizerArgs;
}

export interface ChannelsArgs {
    /**
     * What a connection that has never subscribed receives: every event, or nothing until it subscribes. With
     * `authorizeSubscribe` it must be "none": a connection that never subscribed would otherwise hear every channel.
     * @default "all", or "none" with `authorizeSubscribe`
     */
    unsubscribed?: "all" | "none";
    /**
     * Channels one connection may hold at once (1 to 1000). Their names live in the connection's row, so
     * `maxPerConnection × maxNameBytes` may not exceed 350 KB (DynamoDB's item limit is 400 KB).
     * @default 50
     */
    maxPerConnection?: number;
    /** Longest channel name in UTF-8 bytes (1 to 1024, DynamoDB's key limit leaves room). @default 256 */
    maxNameBytes?: number;
    /**
     * Decides each subscribe (AppSync Events' `onSubscribe`); serialized into the channel function with its
     * closure. Anything but `true` refuses with `Forbidden`; a throw with `InternalError`.
     * @default none: any connection may subscribe to any channel
     * @example ({ channel, principalId }) => channel.startsWith(`users/${principalId}/`)
     */
    authorizeSubscribe?: AuthorizeSubscribe;
}

export interface UploadsArgs {
    /** Keys must start with it. @default "uploads/" */
    prefix?: string;
    /** Lifetime of a URL in seconds (1 to 3600). @default 300 */
    expiresInSeconds?: number;
    /** The largest file a URL is signed for, in bytes (its length is signed: S3 refuses any other). @default 10485760 (10 MiB) */
    maxBytes?: number;
    /** Origins a browser may PUT from (the created bucket's CORS rule). @default ["*"]: the presigned URL is the credential */
    allowedOrigins?: string[];
}

const TYPE = "serverless-websockets:index:BroadcastWebSocket";
const DEFAULT_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];

// Run once per Lambda environment: SDK clients are made at cold start and reused.
const connectFactory = () => connectHandler(connectionStoreFromEnvironment(), connectOptionsFromEnvironment());
const disconnectFactory = () => disconnectHandler(connectionStoreFromEnvironment());
const fanoutFactory = () => s3FanoutHandler(publisherFromEnvironment());
const dispatchingFanoutFactory = () => s3FanoutHandler(segmentDispatcherFromEnvironment());
const fanoutWorkerFactory = () => fanoutSegmentHandler(publisherFromEnvironment());
/** Worker invocations per message at most: Lambda's default concurrency quota per region is 1,000. */
const MAX_SEGMENTS = 1000;

/**
 * A WebSocket API whose clients are told whenever an object lands in (or leaves) an S3 bucket. `$connect` and
 * `$disconnect` keep connection ids in DynamoDB; an S3 notification triggers a function that posts the event to
 * every connection through `@connections` and deletes the rows of connections that are gone.
 */
export class BroadcastWebSocket extends pulumi.ComponentResource {
    readonly websocket: WebSocketApi;
    /** `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}` */
    readonly url: pulumi.Output<string>;
    /** The stage's `@connections` base URL (https). */
    readonly managementEndpoint: pulumi.Output<string>;
    readonly connectionsTable: aws.dynamodb.Table;
    /** One row per (channel, connection), read by every fan-out (docs/channels.md). */
    readonly subscriptionsTable: aws.dynamodb.Table;
    /** The function behind the `subscribe`, `unsubscribe`, `ping` (and `upload`) routes. */
    readonly channelFunction: aws.lambda.Function;
    /** The watched bucket's name. */
    readonly bucketName: pulumi.Output<string>;
    /** The watched bucket, when it was created here or passed in as a resource. */
    readonly bucket?: aws.s3.Bucket;
    readonly fanoutFunction: aws.lambda.Function;
    /** The function that posts to one segment of the connections, when `fanout.segments` is above 1. */
    readonly fanoutWorkerFunction?: aws.lambda.Function;
    /** Events whose fan-out failed after every retry. */
    readonly failedEventsQueue?: aws.sqs.Queue;
    /** Environment that lets `broadcasterFromEnvironment()` and `publish()` find this API's tables and stage. */
    readonly broadcastEnvironment: Record<string, pulumi.Output<string>>;
    /** What a function needs to broadcast to every connection: scan and clean the tables, post on this stage only. */
    readonly broadcastPolicyStatements: PolicyStatement[];
    /** What a function needs to `publish` to a channel: query subscriptions, clean gone connections, post on this stage only. */
    readonly publishPolicyStatements: PolicyStatement[];

    constructor(name: string, args: BroadcastWebSocketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const events = validateEvents(args.events ?? DEFAULT_EVENTS);
        const channels = validateChannels(args.channels ?? {});
        const uploads = validateUploads(args.uploads);
        const routeSelectionExpression = args.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;

        this.connectionsTable = createConnectionsTable(`${name}-connections`, args.table ?? {}, this);
        this.subscriptionsTable = createSubscriptionsTable(`${name}-subscriptions`, args.table ?? {}, this);
        const watched = new WatchedBucket(`${name}-bucket`, { ...args, corsOrigins: uploads?.allowedOrigins }, { parent: this });
        this.bucket = watched.bucket;
        this.bucketName = watched.name;

        this.websocket = new WebSocketApi(name, { ...apiSettings(args), routeSelectionExpression }, { parent: this });
        this.url = this.websocket.url;
        this.managementEndpoint = this.websocket.managementEndpoint;
        this.broadcastEnvironment = {
            CONNECTIONS_TABLE: this.connectionsTable.name,
            SUBSCRIPTIONS_TABLE: this.subscriptionsTable.name,
            CONNECTIONS_ENDPOINT: this.managementEndpoint,
            CHANNEL_MAX_BYTES: pulumi.output(String(channels.maxNameBytes)),
        };
        const post = { actions: ["execute-api:ManageConnections"], resources: [this.websocket.manageConnectionsArn("POST")] };
        // A gone connection's rows go: its connection row, then its subscription rows in batches.
        const forget = [
            { actions: ["dynamodb:DeleteItem"], resources: [this.connectionsTable.arn] },
            { actions: ["dynamodb:BatchWriteItem"], resources: [this.subscriptionsTable.arn] },
        ];
        this.broadcastPolicyStatements = [{ actions: ["dynamodb:Scan"], resources: [this.connectionsTable.arn] }, ...forget, post];
        this.publishPolicyStatements = [{ actions: ["dynamodb:Query"], resources: [this.subscriptionsTable.arn] }, ...forget, post];

        this.channelFunction = this.createChannelFunction(name, args, channels, uploads, watched);
        this.addRoutes(args.routes ?? {}, routeSelectionExpression, args.authorizer, channels, uploads !== undefined);
        const fanout = this.createFanout(name, args);
        this.fanoutFunction = fanout.dispatcher;
        this.fanoutWorkerFunction = fanout.worker;
        this.failedEventsQueue = fanout.queue;
        this.createNotification(name, watched, events, args);

        this.registerOutputs({
            url: this.url,
            managementEndpoint: this.managementEndpoint,
            connectionsTable: this.connectionsTable.name,
            subscriptionsTable: this.subscriptionsTable.name,
            bucket: this.bucketName,
        });
    }

    /**
     * Lets another role broadcast to every one of this API's clients, whatever their channels, e.g. a producer in
     * another program: `broadcastPolicyStatements` (a Scan of the connections table, cleanup of gone connections,
     * `execute-api:ManageConnections` on `POST /@connections/*` of this stage only). Give its function
     * `broadcastEnvironment` too (routes of this component have it).
     */
    grantBroadcast(name: string, grantee: aws.iam.Role | WebSocketRoute): aws.iam.RolePolicy {
        return this.grant(name, grantee, this.broadcastPolicyStatements);
    }

    /**
     * Lets another role `publish(channel, data)` (from `serverless-websockets/runtime`) to this API's channels:
     * `publishPolicyStatements` (a Query of the subscriptions table, cleanup of gone connections, `POST` on this
     * stage's `@connections` only). Give its function `broadcastEnvironment` too (routes of this component have it).
     */
    grantPublish(name: string, grantee: aws.iam.Role | WebSocketRoute): aws.iam.RolePolicy {
        return this.grant(name, grantee, this.publishPolicyStatements);
    }

    private grant(name: string, grantee: aws.iam.Role | WebSocketRoute, statements: PolicyStatement[]): aws.iam.RolePolicy {
        const role = grantee instanceof WebSocketRoute ? grantee.handler.role : grantee;
        if (role === undefined) {
            throw new InvalidArgumentError(
                TYPE,
                `route "${(grantee as WebSocketRoute).routeKey}" runs a function you brought; grant its own role instead.`,
            );
        }
        return new aws.iam.RolePolicy(name, { role: role.name, policy: policyDocument(statements) }, { parent: this });
    }

    /** One function for the channel protocol's routes: they share its warm environments. */
    private createChannelFunction(
        name: string,
        args: BroadcastWebSocketArgs,
        channels: ChannelSettings,
        uploads: Required<UploadsArgs> | undefined,
        watched: WatchedBucket,
    ): aws.lambda.Function {
        const { maxPerConnection, maxNameBytes, authorizeSubscribe } = channels;
        const factory = () =>
            channelRouteHandler({
                store: subscriptionStoreFromEnvironment(),
                maxChannels: maxPerConnection,
                maxChannelBytes: maxNameBytes,
                authorizeSubscribe,
                uploads: uploadSignerFromEnvironment(),
            });
        const handler = new HandlerFunction(
            `${name}-channels`,
            {
                code: { factory },
                settings: mergeFunctionSettings(args.lambda, {
                    environment: {
                        ...this.broadcastEnvironment,
                        ...(uploads
                            ? {
                                  UPLOAD_BUCKET: watched.name,
                                  UPLOAD_PREFIX: uploads.prefix,
                                  UPLOAD_EXPIRES_SECONDS: String(uploads.expiresInSeconds),
                                  UPLOAD_MAX_BYTES: String(uploads.maxBytes),
                              }
                            : {}),
                    },
                }),
                logRetentionInDays: this.websocket.logRetentionInDays,
                timeoutLimit: { seconds: INTEGRATION_TIMEOUT_SECONDS, reason: "API Gateway's integration timeout" },
                policyStatements: [
                    { actions: ["dynamodb:UpdateItem", "dynamodb:GetItem"], resources: [this.connectionsTable.arn] },
                    { actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [this.subscriptionsTable.arn] },
                    ...(uploads ? [{ actions: ["s3:PutObject"], resources: [pulumi.interpolate`${watched.arn}/${uploads.prefix}*`] }] : []),
                ],
                description: "Serves the channel protocol: subscribe, unsubscribe, ping and upload",
            },
            { parent: this },
        );
        return handler.function;
    }

    private addRoutes(
        extra: Record<string, RouteHandler | RouteArgs>,
        routeSelectionExpression: string,
        authorizer: BroadcastWebSocketArgs["authorizer"],
        channels: ChannelSettings,
        uploads: boolean,
    ): void {
        for (const key of ["$connect", "$disconnect", ...CHANNEL_ACTIONS]) {
            if (key in extra) {
                throw new InvalidArgumentError(
                    TYPE,
                    `${key} is this component's own route (it keeps the connections and channels); name yours otherwise, or use WebSocketApi to write your own.`,
                );
            }
        }
        const channelRoutes = CHANNEL_ACTIONS.filter((action) => action !== "upload" || uploads);
        const routes: Record<string, RouteHandler | RouteArgs> = {
            $connect: {
                handler: { factory: connectFactory },
                function: { environment: { CHANNELS_UNSUBSCRIBED: channels.unsubscribed } },
                policyStatements: [
                    { actions: ["dynamodb:PutItem"], resources: [this.connectionsTable.arn] },
                    ...(channels.unsubscribed === "all"
                        ? [{ actions: ["dynamodb:PutItem"], resources: [this.subscriptionsTable.arn] }]
                        : []),
                ],
                authorizer,
            },
            $disconnect: {
                handler: { factory: disconnectFactory },
                policyStatements: [
                    { actions: ["dynamodb:DeleteItem"], resources: [this.connectionsTable.arn] },
                    { actions: ["dynamodb:BatchWriteItem"], resources: [this.subscriptionsTable.arn] },
                ],
            },
            ...withUnknownRouteReply(
                {
                    ...Object.fromEntries(channelRoutes.map((key) => [key, { handler: this.channelFunction, returnResponse: true }])),
                    ...extra,
                },
                routeSelectionExpression,
            ),
        };
        for (const [key, route] of Object.entries(routes)) {
            const routeArgs = isRouteArgs(route) ? route : { handler: route };
            this.websocket.addRoute(key, {
                ...routeArgs,
                function: mergeFunctionSettings({ environment: this.broadcastEnvironment }, routeArgs.function),
            });
        }
    }

    private createFanout(name: string, args: BroadcastWebSocketArgs) {
        const settings = args.fanout ?? {};
        const concurrency = requireIntegerInRange(TYPE, "fanout.concurrency", settings.concurrency ?? 50, 1, 1000);
        const segments = requireIntegerInRange(TYPE, "fanout.segments", settings.segments ?? 1, 1, MAX_SEGMENTS);
        if (settings.segmentAbove !== undefined && segments === 1) {
            throw new InvalidArgumentError(TYPE, "fanout.segmentAbove only applies with fanout.segments above 1.");
        }
        const segmentAbove = requireIntegerInRange(TYPE, "fanout.segmentAbove", settings.segmentAbove ?? 0, 0, Number.MAX_SAFE_INTEGER);
        const queue =
            (settings.failedEventsQueue ?? true)
                ? new aws.sqs.Queue(
                      `${name}-failed-events`,
                      { messageRetentionSeconds: 14 * 24 * 60 * 60, sqsManagedSseEnabled: true },
                      { parent: this },
                  )
                : undefined;
        const queueStatements: PolicyStatement[] = queue ? [{ actions: ["sqs:SendMessage"], resources: [queue.arn] }] : [];
        const functionSettings = mergeFunctionSettings(args.lambda, {
            memorySize: settings.memorySize ?? 1024,
            timeout: settings.timeout ?? 300,
            reservedConcurrentExecutions: settings.reservedConcurrency,
        });
        const fanoutFunction = <E, R>(
            suffix: string,
            factory: aws.lambda.CallbackFactory<E, R>,
            environment: Record<string, pulumi.Input<string>>,
            statements: PolicyStatement[],
            description: string,
        ) => {
            const handler = new HandlerFunction(
                `${name}-${suffix}`,
                {
                    code: { factory },
                    settings: mergeFunctionSettings(functionSettings, {
                        environment: { ...this.broadcastEnvironment, BROADCAST_CONCURRENCY: String(concurrency), ...environment },
                    }),
                    logRetentionInDays: this.websocket.logRetentionInDays,
                    policyStatements: [...statements, ...queueStatements],
                    description,
                },
                { parent: this },
            );
            // Invoked asynchronously (by S3, or by the dispatcher): two retries, then the failed event goes to the queue.
            new aws.lambda.FunctionEventInvokeConfig(
                `${name}-${suffix}`,
                {
                    functionName: handler.function.name,
                    maximumRetryAttempts: 2,
                    maximumEventAgeInSeconds: 6 * 60 * 60,
                    destinationConfig: queue ? { onFailure: { destination: queue.arn } } : undefined,
                },
                { parent: this },
            );
            return handler.function;
        };

        if (segments === 1) {
            const dispatcher = fanoutFunction(
                "fanout",
                fanoutFactory,
                {},
                this.publishPolicyStatements,
                "Sends S3 events to the WebSocket connections subscribed to their channels",
            );
            return { dispatcher, worker: undefined, queue };
        }
        const worker = fanoutFunction(
            "fanout-worker",
            fanoutWorkerFactory,
            {},
            this.publishPolicyStatements,
            "Sends one message to the subscribers in one segment of the channel shards",
        );
        const dispatcher = fanoutFunction(
            "fanout",
            dispatchingFanoutFactory,
            { FANOUT_WORKER_FUNCTION: worker.name, FANOUT_SEGMENTS: String(segments), FANOUT_SEGMENT_ABOVE: String(segmentAbove) },
            [
                { actions: ["lambda:InvokeFunction"], resources: [worker.arn] },
                // It reads subscriptions only to count them against segmentAbove, and never posts.
                ...(segmentAbove > 0 ? [{ actions: ["dynamodb:Query"], resources: [this.subscriptionsTable.arn] }] : []),
            ],
            `Sends S3 events to their channels' subscribers through ${segments} worker invocations`,
        );
        return { dispatcher, worker, queue };
    }

    /** One notification configuration for the bucket, created only once S3 may invoke the function (B26). */
    private createNotification(name: string, watched: WatchedBucket, events: string[], args: BroadcastWebSocketArgs): void {
        const { accountId } = aws.getCallerIdentityOutput({}, { parent: this });
        const permission = new aws.lambda.Permission(
            `${name}-s3`,
            {
                action: "lambda:InvokeFunction",
                function: this.fanoutFunction.name,
                principal: "s3.amazonaws.com",
                sourceArn: watched.arn,
                sourceAccount: accountId,
            },
            { parent: this },
        );
        new aws.s3.BucketNotification(
            name,
            {
                bucket: watched.name,
                lambdaFunctions: [
                    {
                        lambdaFunctionArn: this.fanoutFunction.arn,
                        events,
                        filterPrefix: args.filterPrefix,
                        filterSuffix: args.filterSuffix,
                    },
                ],
            },
            { parent: this, dependsOn: [permission] },
        );
    }
}

/** A connection row holds its channels' names: they must fit well inside DynamoDB's 400 KB item. */
const MAX_CHANNEL_SET_BYTES = 350 * 1024;

/** `ChannelsArgs` checked, with every default applied. */
type ChannelSettings = ReturnType<typeof validateChannels>;

function validateChannels(args: ChannelsArgs) {
    if (args.authorizeSubscribe !== undefined && typeof args.authorizeSubscribe !== "function") {
        throw new InvalidArgumentError(TYPE, "channels.authorizeSubscribe must be a function ({ channel, principalId, … }) => boolean.");
    }
    const unsubscribed = args.unsubscribed ?? (args.authorizeSubscribe ? "none" : "all");
    if (unsubscribed !== "all" && unsubscribed !== "none") {
        throw new InvalidArgumentError(TYPE, `channels.unsubscribed is "${String(unsubscribed)}"; use "all" or "none".`);
    }
    if (unsubscribed === "all" && args.authorizeSubscribe) {
        throw new InvalidArgumentError(
            TYPE,
            'channels.unsubscribed "all" lets a connection that never subscribes hear every channel, past authorizeSubscribe: use "none".',
        );
    }
    const maxPerConnection = requireIntegerInRange(TYPE, "channels.maxPerConnection", args.maxPerConnection ?? 50, 1, 1000);
    const maxNameBytes = requireIntegerInRange(TYPE, "channels.maxNameBytes", args.maxNameBytes ?? 256, 1, 1024);
    if (maxPerConnection * maxNameBytes > MAX_CHANNEL_SET_BYTES) {
        throw new InvalidArgumentError(
            TYPE,
            `channels.maxPerConnection × maxNameBytes is ${maxPerConnection * maxNameBytes} bytes, over the ${MAX_CHANNEL_SET_BYTES} a connection's row can hold: lower one.`,
        );
    }
    return { unsubscribed, maxPerConnection, maxNameBytes, authorizeSubscribe: args.authorizeSubscribe };
}

function validateUploads(uploads: BroadcastWebSocketArgs["uploads"]): Required<UploadsArgs> | undefined {
    if (uploads === undefined || uploads === false) return undefined;
    const args = uploads === true ? {} : uploads;
    const prefix = args.prefix ?? "uploads/";
    if (prefix !== "" && !prefix.endsWith("/")) {
        throw new InvalidArgumentError(TYPE, `uploads.prefix "${prefix}" must end with "/" (a channel), e.g. "${prefix}/".`);
    }
    if (/[*?$]/.test(prefix)) {
        // They are IAM wildcards (and a policy variable's start) in the PutObject grant's resource.
        throw new InvalidArgumentError(TYPE, `uploads.prefix "${prefix}" may not hold *, ? or $: name a plain key prefix.`);
    }
    const allowedOrigins = args.allowedOrigins ?? ["*"];
    if (allowedOrigins.length === 0) {
        throw new InvalidArgumentError(
            TYPE,
            'uploads.allowedOrigins is empty: name the page\'s origin, e.g. "https://app.example.com", or "*".',
        );
    }
    return {
        prefix,
        expiresInSeconds: requireIntegerInRange(TYPE, "uploads.expiresInSeconds", args.expiresInSeconds ?? 300, 1, 3600),
        // S3's largest single PUT is 5 GiB.
        maxBytes: requireIntegerInRange(TYPE, "uploads.maxBytes", args.maxBytes ?? DEFAULT_UPLOAD_MAX_BYTES, 1, 5 * 1024 ** 3),
        allowedOrigins,
    };
}

function validateEvents(events: string[]): string[] {
    if (events.length === 0) {
        throw new InvalidArgumentError(TYPE, 'events is empty: name at least one S3 event, e.g. "s3:ObjectCreated:*".');
    }
    for (const event of events) {
        if (!/^s3:[A-Za-z]+:(\*|[A-Za-z]+)$/.test(event)) {
            throw new InvalidArgumentError(
                TYPE,
                `"${event}" is not an S3 event type such as "s3:ObjectCreated:*" or "s3:ObjectRemoved:Delete".`,
            );
        }
    }
    return events;
}
