import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudWatchRoleFor, type ApiGatewayCloudWatchRole } from "./api-gateway-cloudwatch-role";
import {
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    defaultCloudWatchRoleMode,
    defaultExecutionLoggingLevel,
    defaultLogRetentionInDays,
    defaultStageName,
    defaultThrottling,
    type CloudWatchRoleMode,
    type ExecutionLoggingLevel,
} from "./defaults";
import { AUTHORIZER_SUFFIX, isRouteArgs, WebSocketRoute, type RouteArgs, type RouteHandler } from "./websocket-route";
import { MAX_HANDLER_NAME_LENGTH, type FunctionSettings } from "./handler-function";
import { InvalidArgumentError, requireIntegerInRange, requireLogRetention, requireStageName } from "./validation";

export interface WebSocketApiArgs {
    /**
     * Routes by route key: `$connect`, `$disconnect`, `$default`, or a value of the route selection expression.
     * Each is a callback, `{ factory }`, an existing `aws.lambda.Function`, or `RouteArgs` for options.
     * @default {}
     * @example { $default: async () => ({ statusCode: 200, body: "hi" }), sendmessage: { handler: send } }
     */
    routes?: Record<string, RouteHandler | RouteArgs>;
    /**
     * Picks the route of each message.
     * @default "$request.body.action"
     */
    routeSelectionExpression?: string;
    /**
     * Stage name, the last path segment of the URL.
     * @default config `serverless-websockets:stageName`, else the stack name
     */
    stageName?: string;
    /**
     * Default route throttling of the stage.
     * @default config `serverless-websockets:throttlingBurstLimit`/`throttlingRateLimit`, else 500 / 1000 per second
     */
    throttling?: { burstLimit?: number; rateLimit?: number };
    /** Stage logging. */
    logging?: {
        /**
         * JSON access logs to a log group this component creates.
         * @default true
         */
        accessLogs?: boolean;
        /**
         * Execution logging level. "INFO" logs message metadata; data tracing (full payloads) is never enabled.
         * @default config `serverless-websockets:executionLoggingLevel`, else "ERROR"
         */
        executionLevel?: ExecutionLoggingLevel;
        /**
         * "create": set the region's API Gateway CloudWatch Logs role from this stack; "existing": the region
         * already has one. Needed only when some logging is on.
         * @default config `serverless-websockets:apiGatewayCloudWatchRole`, else "create"
         */
        cloudWatchRole?: CloudWatchRoleMode;
    };
    /**
     * Retention of every log group this component creates.
     * @default config `serverless-websockets:logRetentionInDays`, else 14
     */
    logRetentionInDays?: number;
    /** Lambda settings for every route's function; a route's own `function` settings win. */
    lambda?: FunctionSettings;
    /** Description of the API. */
    description?: string;
}

/** The API-wide settings every component built on `WebSocketApi` takes. */
export type WebSocketApiSettings = Omit<WebSocketApiArgs, "routes" | "description">;

const SETTING_KEYS = ["routeSelectionExpression", "stageName", "throttling", "logging", "logRetentionInDays", "lambda"] as const;
const ARG_KEYS: ReadonlySet<string> = new Set([...SETTING_KEYS, "routes", "description"]);

/** Only the API-wide settings of a component's args: the component's own args never reach its `WebSocketApi`. */
export function apiSettings(args: WebSocketApiSettings): WebSocketApiSettings {
    return Object.fromEntries(SETTING_KEYS.filter((key) => args[key] !== undefined).map((key) => [key, args[key]]));
}

const TYPE = "serverless-websockets:index:WebSocketApi";

/** An API Gateway v2 WebSocket API with a stage and Lambda-backed routes. */
export class WebSocketApi extends pulumi.ComponentResource {
    readonly api: aws.apigatewayv2.Api;
    readonly stage: aws.apigatewayv2.Stage;
    /** The stage's access log group, when access logs are on. */
    readonly accessLogGroup?: aws.cloudwatch.LogGroup;
    /** The region's API Gateway CloudWatch role, when this program sets it (shared by all its APIs). */
    readonly cloudWatchRole?: ApiGatewayCloudWatchRole;
    /** Routes by route key. */
    readonly routes: Record<string, WebSocketRoute> = {};
    readonly apiId: pulumi.Output<string>;
    readonly stageName: pulumi.Output<string>;
    /** `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}` */
    readonly url: pulumi.Output<string>;
    /** The stage's `@connections` base: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
    readonly managementEndpoint: pulumi.Output<string>;
    /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}`, the prefix of every grant on this stage. */
    readonly stageExecutionArn: pulumi.Output<string>;
    /** The route selection expression. */
    readonly routeSelectionExpression: string;
    /** Retention of the log groups of this API and its functions. */
    readonly logRetentionInDays: number;

    private readonly name: string;
    private readonly settings: { stageName: string; logRetentionInDays: number; lambda?: FunctionSettings };

    constructor(name: string, args: WebSocketApiArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        this.name = name;
        const unknown = Object.keys(args).filter((key) => !ARG_KEYS.has(key));
        if (unknown.length > 0) {
            throw new InvalidArgumentError(TYPE, `unknown argument ${unknown.join(", ")}; it takes ${[...ARG_KEYS].join(", ")}.`);
        }
        const stageName = requireStageName(TYPE, args.stageName ?? defaultStageName());
        const logRetentionInDays = requireLogRetention(TYPE, args.logRetentionInDays ?? defaultLogRetentionInDays());
        this.settings = { stageName, logRetentionInDays, lambda: args.lambda };
        this.logRetentionInDays = logRetentionInDays;
        this.routeSelectionExpression = args.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;

        this.api = this.createApi(args);
        const logging = this.createLogging(args, logRetentionInDays);
        this.accessLogGroup = logging.accessLogGroup;
        this.cloudWatchRole = logging.cloudWatchRole;
        this.stage = this.createStage(args, logging);

        this.apiId = this.api.id;
        this.stageName = this.stage.name;
        this.url = this.stage.invokeUrl;
        this.managementEndpoint = pulumi
            .all([this.api.apiEndpoint, this.stage.name])
            .apply(([endpoint, stage]) => `${endpoint.replace(/^wss:/, "https:")}/${stage}`);
        this.stageExecutionArn = pulumi.interpolate`${this.api.executionArn}/${this.stage.name}`;

        for (const [routeKey, route] of Object.entries(args.routes ?? {})) {
            this.addRoute(routeKey, route);
        }
        this.registerOutputs({ url: this.url, apiId: this.apiId, stageName: this.stageName, managementEndpoint: this.managementEndpoint });
    }

    /** Adds a route backed by a Lambda function; each route key once. */
    addRoute(routeKey: string, route: RouteHandler | RouteArgs): WebSocketRoute {
        if (routeKey in this.routes) {
            throw new InvalidArgumentError(TYPE, `route "${routeKey}" is already defined on ${this.name}.`);
        }
        const routeArgs = isRouteArgs(route) ? route : { handler: route };
        const childName = routeResourceName(this.name, routeKey, typeof routeArgs.authorizer === "object" ? AUTHORIZER_SUFFIX : "");
        const clash = Object.keys(this.routes).find((key) => this.routes[key].resourceName === childName);
        if (clash !== undefined) {
            throw new InvalidArgumentError(
                TYPE,
                `routes "${clash}" and "${routeKey}" would share the resource name ${childName}; rename one.`,
            );
        }
        this.routes[routeKey] = new WebSocketRoute(
            childName,
            {
                ...routeArgs,
                api: this.api,
                stageName: this.settings.stageName,
                routeKey,
                logRetentionInDays: this.settings.logRetentionInDays,
                functionDefaults: this.settings.lambda,
            },
            { parent: this },
        );
        return this.routes[routeKey];
    }

    /**
     * The `execute-api:ManageConnections` resource for one `@connections` method on this stage only:
     * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/@connections/*`.
     */
    manageConnectionsArn(method: "POST" | "GET" | "DELETE"): pulumi.Output<string> {
        return pulumi.interpolate`${this.stageExecutionArn}/${method}/@connections/*`;
    }

    /** The functions behind the routes, by route key. */
    get functions(): Record<string, aws.lambda.Function> {
        return Object.fromEntries(Object.entries(this.routes).map(([key, route]) => [key, route.function]));
    }

    private createApi(args: WebSocketApiArgs): aws.apigatewayv2.Api {
        return new aws.apigatewayv2.Api(
            this.name,
            {
                protocolType: "WEBSOCKET",
                routeSelectionExpression: this.routeSelectionExpression,
                description: args.description,
            },
            { parent: this },
        );
    }

    private createLogging(args: WebSocketApiArgs, retentionInDays: number) {
        const accessLogs = args.logging?.accessLogs ?? true;
        const executionLevel = args.logging?.executionLevel ?? defaultExecutionLoggingLevel();
        if (!["OFF", "ERROR", "INFO"].includes(executionLevel)) {
            throw new InvalidArgumentError(TYPE, `logging.executionLevel must be "OFF", "ERROR" or "INFO"; got "${executionLevel}".`);
        }
        const needsRole = accessLogs || executionLevel !== "OFF";
        const cloudWatchRole =
            needsRole && (args.logging?.cloudWatchRole ?? defaultCloudWatchRoleMode()) === "create"
                ? cloudWatchRoleFor(this, `${this.name}-cloudwatch`)
                : undefined;
        const accessLogGroup = accessLogs
            ? new aws.cloudwatch.LogGroup(
                  `${this.name}-access`,
                  { namePrefix: `/aws/apigateway/${this.name}-`, retentionInDays },
                  { parent: this },
              )
            : undefined;
        return { executionLevel, accessLogGroup, cloudWatchRole };
    }

    private createStage(args: WebSocketApiArgs, logging: ReturnType<WebSocketApi["createLogging"]>): aws.apigatewayv2.Stage {
        const throttling = { ...defaultThrottling(), ...args.throttling };
        requireIntegerInRange(TYPE, "throttling.burstLimit", throttling.burstLimit, 0, 5000, " (the account default burst)");
        requireIntegerInRange(TYPE, "throttling.rateLimit", throttling.rateLimit, 0, 10000, " (the account default rate)");
        return new aws.apigatewayv2.Stage(
            this.name,
            {
                apiId: this.api.id,
                name: this.settings.stageName,
                autoDeploy: true,
                defaultRouteSettings: {
                    throttlingBurstLimit: throttling.burstLimit,
                    throttlingRateLimit: throttling.rateLimit,
                    loggingLevel: logging.executionLevel,
                    dataTraceEnabled: false,
                    detailedMetricsEnabled: false,
                },
                accessLogSettings: logging.accessLogGroup
                    ? { destinationArn: logging.accessLogGroup.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) }
                    : undefined,
            },
            { parent: this, dependsOn: logging.cloudWatchRole ? [logging.cloudWatchRole] : [] },
        );
    }
}

/** One JSON line per connect, message and disconnect. */
const ACCESS_LOG_FORMAT = {
    requestId: "$context.requestId",
    ip: "$context.identity.sourceIp",
    requestTime: "$context.requestTime",
    eventType: "$context.eventType",
    routeKey: "$context.routeKey",
    status: "$context.status",
    connectionId: "$context.connectionId",
    messageId: "$context.messageId",
    error: "$context.error.message",
    integrationStatus: "$context.integration.status",
    integrationError: "$context.integration.error",
    integrationLatency: "$context.integration.latency",
};

/** Route keys as resource-name fragments: `$connect` → `connect`, `chat/join` → `chat-join`. */
/** Characters of the route key kept before the hash when the key is too long for the name. */
const MIN_SLUG_LENGTH = 8;

/**
 * `<api>-<route slug>`, short enough for every AWS name derived from it: a slug that would not fit is cut and
 * given a hash of the whole route key, so two long keys never share a name.
 */
function routeResourceName(apiName: string, routeKey: string, suffix: string): string {
    const room = MAX_HANDLER_NAME_LENGTH - suffix.length - apiName.length - 1;
    const slug = routeSlug(routeKey);
    if (slug.length <= room) return `${apiName}-${slug}`;
    const hash = createHash("sha256").update(routeKey).digest("hex").slice(0, 6);
    if (room < MIN_SLUG_LENGTH + hash.length + 1) {
        throw new InvalidArgumentError(
            TYPE,
            `route "${routeKey}" of "${apiName}": the component name leaves no room for the route in AWS resource names ` +
                `(${MAX_HANDLER_NAME_LENGTH} characters at most); give the component a name of at most ` +
                `${MAX_HANDLER_NAME_LENGTH - suffix.length - MIN_SLUG_LENGTH - hash.length - 2} characters.`,
        );
    }
    return `${apiName}-${slug.slice(0, room - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

function routeSlug(routeKey: string): string {
    return (
        routeKey
            .replace(/^\$/, "")
            .replace(/[^A-Za-z0-9-]+/g, "-")
            .toLowerCase() || "route"
    );
}
