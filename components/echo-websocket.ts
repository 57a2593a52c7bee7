import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { echoHandler } from "../handlers/echo";
import { unknownRouteHandler } from "../handlers/unknown-route";
import { DEFAULT_ROUTE_SELECTION_EXPRESSION, type CloudWatchRoleMode, type ExecutionLoggingLevel } from "./defaults";
import type { FunctionSettings } from "./handler-function";
import { WebSocketApi } from "./websocket-api";
import type { RouteHandler } from "./websocket-route";
import { InvalidArgumentError } from "./validation";

export interface EchoWebSocketArgs {
    /**
     * Picks the route of each message.
     * @default "$request.body.action"
     */
    routeSelectionExpression?: string;
    /**
     * Two-way routes by route key: what each returns as `body` is sent straight back to the caller. A `$default`
     * route that names the known routes is added unless you give your own.
     * @default { test: echoHandler } (`{"action":"test","echo":"hi"}` → `Echoing your message: hi`)
     */
    routes?: Record<string, RouteHandler>;
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
    /**
     * Lambda settings of every route's function: runtime (default "nodejs22.x"), architectures (default
     * ["arm64"]), memorySize (default 256), timeout (default 10, at most 29: API Gateway's integration timeout).
     */
    lambda?: FunctionSettings;
    /**
     * Retention of every log group (functions and access logs).
     * @default config `serverless-websockets:logRetentionInDays`, else 14
     */
    logRetentionInDays?: number;
    /** Stage logging; see `WebSocketApiArgs.logging`. @default access logs on, execution logging "ERROR" */
    logging?: { accessLogs?: boolean; executionLevel?: ExecutionLoggingLevel; cloudWatchRole?: CloudWatchRoleMode };
}

const TYPE = "serverless-websockets:index:EchoWebSocket";

/** A WebSocket API whose routes answer the caller directly through route responses (two-way). */
export class EchoWebSocket extends pulumi.ComponentResource {
    /** The underlying API, stage and routes. */
    readonly websocket: WebSocketApi;
    /** `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}` */
    readonly url: pulumi.Output<string>;
    readonly apiId: pulumi.Output<string>;
    readonly stageName: pulumi.Output<string>;
    /** The functions behind the routes, by route key (`$default` included). */
    readonly functions: Record<string, aws.lambda.Function>;

    constructor(name: string, args: EchoWebSocketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const routes = args.routes ?? { test: echoHandler };
        if (Object.keys(routes).some((key) => key === "$connect" || key === "$disconnect")) {
            throw new InvalidArgumentError(TYPE, "$connect and $disconnect cannot be two-way routes; use WebSocketApi for them.");
        }
        const messageRoutes = Object.keys(routes).filter((key) => key !== "$default");
        if (messageRoutes.length === 0 && !("$default" in routes)) {
            throw new InvalidArgumentError(TYPE, "routes is empty: give at least one route.");
        }
        const routeSelectionExpression = args.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;
        const allRoutes: Record<string, RouteHandler> = {
            $default: unknownRouteHandler(routeSelectionExpression, messageRoutes),
            ...routes,
        };
        this.websocket = new WebSocketApi(
            name,
            {
                routeSelectionExpression,
                stageName: args.stageName,
                throttling: args.throttling,
                logging: args.logging,
                logRetentionInDays: args.logRetentionInDays,
                lambda: args.lambda,
                routes: Object.fromEntries(
                    Object.entries(allRoutes).map(([key, handler]) => [key, { handler, returnResponse: true }]),
                ),
            },
            { parent: this },
        );
        this.url = this.websocket.url;
        this.apiId = this.websocket.apiId;
        this.stageName = this.websocket.stageName;
        this.functions = this.websocket.functions;
        this.registerOutputs({ url: this.url, apiId: this.apiId, stageName: this.stageName });
    }
}
