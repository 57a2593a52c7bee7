import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { broadcasterFromEnvironment } from "../handlers/broadcast";
import { connectHandler } from "../handlers/connect";
import { connectionStoreFromEnvironment } from "../handlers/connections";
import { disconnectHandler } from "../handlers/disconnect";
import { s3FanoutHandler } from "../handlers/s3-fanout";
import { fanoutSegmentHandler, segmentDispatcherFromEnvironment } from "../handlers/segmented-fanout";
import { createConnectionsTable, type ConnectionsTableArgs } from "./connections-table";
import { DEFAULT_ROUTE_SELECTION_EXPRESSION } from "./defaults";
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
     * Extra routes by route key, as in `WebSocketApi`. Their functions get `CONNECTIONS_TABLE` and
     * `CONNECTIONS_ENDPOINT` in their environment; call `grantBroadcast` to let one broadcast.
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
         * Worker invocations to split each fan-out into (DynamoDB parallel-scan segments). Above 1, the S3-triggered
         * function invokes a worker function K times asynchronously, each posting to one segment of the connections,
         * so one event reaches more clients than one invocation could post to before its timeout.
         * @default 1: the S3-triggered function posts to every connection itself
         * @example 8
         */
        segments?: number;
        /**
         * With `segments` above 1, split only when the table holds more than this many connections; at or below it
         * a single worker invocation posts to all of them. Counting costs one Scan of up to this many keys.
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
    /** The connections table. */
    table?: ConnectionsTableArgs;
    /**
     * Who may connect: "AWS_IAM" or a Lambda REQUEST authorizer, whose `principalId` is stored with the connection.
     * @default none: anyone may connect
     */
    authorizer?: "AWS_IAM" | RequestAuthorizerArgs;
}

const TYPE = "serverless-websockets:index:BroadcastWebSocket";
const DEFAULT_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];

// Run once per Lambda environment: SDK clients are made at cold start and reused.
const connectFactory = () => connectHandler(connectionStoreFromEnvironment());
const disconnectFactory = () => disconnectHandler(connectionStoreFromEnvironment());
const fanoutFactory = () => s3FanoutHandler(broadcasterFromEnvironment());
const dispatchingFanoutFactory = () => s3FanoutHandler(segmentDispatcherFromEnvironment());
const fanoutWorkerFactory = () => fanoutSegmentHandler(broadcasterFromEnvironment());
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
    /** The watched bucket's name. */
    readonly bucketName: pulumi.Output<string>;
    /** The watched bucket, when it was created here or passed in as a resource. */
    readonly bucket?: aws.s3.Bucket;
    readonly fanoutFunction: aws.lambda.Function;
    /** The function that posts to one segment of the connections, when `fanout.segments` is above 1. */
    readonly fanoutWorkerFunction?: aws.lambda.Function;
    /** Events whose fan-out failed after every retry. */
    readonly failedEventsQueue?: aws.sqs.Queue;
    /** Environment that lets `broadcasterFromEnvironment()` find this API's connections. */
    readonly broadcastEnvironment: Record<string, pulumi.Output<string>>;
    /** What a function needs to broadcast: read and clean the table, post on this stage only. */
    readonly broadcastPolicyStatements: PolicyStatement[];

    constructor(name: string, args: BroadcastWebSocketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const events = validateEvents(args.events ?? DEFAULT_EVENTS);
        const routeSelectionExpression = args.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;

        this.connectionsTable = createConnectionsTable(`${name}-connections`, args.table ?? {}, this);
        const watched = new WatchedBucket(`${name}-bucket`, args, { parent: this });
        this.bucket = watched.bucket;
        this.bucketName = watched.name;

        this.websocket = new WebSocketApi(name, { ...apiSettings(args), routeSelectionExpression }, { parent: this });
        this.url = this.websocket.url;
        this.managementEndpoint = this.websocket.managementEndpoint;
        this.broadcastEnvironment = { CONNECTIONS_TABLE: this.connectionsTable.name, CONNECTIONS_ENDPOINT: this.managementEndpoint };
        this.broadcastPolicyStatements = [
            { actions: ["dynamodb:Scan", "dynamodb:DeleteItem"], resources: [this.connectionsTable.arn] },
            { actions: ["execute-api:ManageConnections"], resources: [this.websocket.manageConnectionsArn("POST")] },
        ];

        this.addRoutes(args.routes ?? {}, routeSelectionExpression, args.authorizer);
        const fanout = this.createFanout(name, args);
        this.fanoutFunction = fanout.dispatcher;
        this.fanoutWorkerFunction = fanout.worker;
        this.failedEventsQueue = fanout.queue;
        this.createNotification(name, watched, events, args);

        this.registerOutputs({
            url: this.url,
            managementEndpoint: this.managementEndpoint,
            connectionsTable: this.connectionsTable.name,
            bucket: this.bucketName,
        });
    }

    /**
     * Lets another role broadcast to this API's clients, e.g. a producer in another program:
     * `dynamodb:Scan`/`DeleteItem` on the connections table and `execute-api:ManageConnections` on
     * `POST /@connections/*` of this stage only. Give its function `broadcastEnvironment` too.
     */
    grantBroadcast(name: string, grantee: aws.iam.Role | WebSocketRoute): aws.iam.RolePolicy {
        const role = grantee instanceof WebSocketRoute ? grantee.handler.role : grantee;
        if (role === undefined) {
            throw new InvalidArgumentError(
                TYPE,
                `route "${(grantee as WebSocketRoute).routeKey}" runs a function you brought; grant its own role instead.`,
            );
        }
        return new aws.iam.RolePolicy(name, { role: role.name, policy: policyDocument(this.broadcastPolicyStatements) }, { parent: this });
    }

    private addRoutes(
        extra: Record<string, RouteHandler | RouteArgs>,
        routeSelectionExpression: string,
        authorizer: BroadcastWebSocketArgs["authorizer"],
    ): void {
        for (const key of ["$connect", "$disconnect"]) {
            if (key in extra) {
                throw new InvalidArgumentError(
                    TYPE,
                    `${key} is this component's own route (it keeps the connections table); use WebSocketApi to write your own.`,
                );
            }
        }
        const table = [this.connectionsTable.arn];
        const routes: Record<string, RouteHandler | RouteArgs> = {
            $connect: {
                handler: { factory: connectFactory },
                policyStatements: [{ actions: ["dynamodb:PutItem"], resources: table }],
                authorizer,
            },
            $disconnect: {
                handler: { factory: disconnectFactory },
                policyStatements: [{ actions: ["dynamodb:DeleteItem"], resources: table }],
            },
            ...withUnknownRouteReply(extra, routeSelectionExpression),
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
                this.broadcastPolicyStatements,
                "Broadcasts S3 events to every WebSocket connection",
            );
            return { dispatcher, worker: undefined, queue };
        }
        const worker = fanoutFunction(
            "fanout-worker",
            fanoutWorkerFactory,
            {},
            this.broadcastPolicyStatements,
            "Broadcasts one message to one segment of the WebSocket connections",
        );
        const dispatcher = fanoutFunction(
            "fanout",
            dispatchingFanoutFactory,
            { FANOUT_WORKER_FUNCTION: worker.name, FANOUT_SEGMENTS: String(segments), FANOUT_SEGMENT_ABOVE: String(segmentAbove) },
            [
                { actions: ["lambda:InvokeFunction"], resources: [worker.arn] },
                // It reads the table only to count it against segmentAbove, and never posts.
                ...(segmentAbove > 0 ? [{ actions: ["dynamodb:Scan"], resources: [this.connectionsTable.arn] }] : []),
            ],
            `Broadcasts S3 events to every WebSocket connection through ${segments} worker invocations`,
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
