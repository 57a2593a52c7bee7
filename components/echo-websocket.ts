import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { echoHandler } from "../handlers/echo";
import { DEFAULT_ROUTE_SELECTION_EXPRESSION } from "./defaults";
import { apiSettings, WebSocketApi, type WebSocketApiSettings } from "./websocket-api";
import { withUnknownRouteReply } from "./unknown-route";
import type { RouteHandler } from "./websocket-route";
import { InvalidArgumentError } from "./validation";

export interface EchoWebSocketArgs extends WebSocketApiSettings {
    /**
     * Two-way routes by route key: what each returns as `body` is sent straight back to the caller. A `$default`
     * route that names the known routes is added unless you give your own.
     * @default { test: echoHandler } (`{"action":"test","echo":"hi"}` → `Echoing your message: hi`)
     */
    routes?: Record<string, RouteHandler>;
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
        if (Object.keys(routes).length === 0) {
            throw new InvalidArgumentError(TYPE, "routes is empty: give at least one route.");
        }
        const routeSelectionExpression = args.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;
        const twoWay = Object.fromEntries(Object.entries(routes).map(([key, handler]) => [key, { handler, returnResponse: true }]));
        this.websocket = new WebSocketApi(
            name,
            { ...apiSettings(args), routeSelectionExpression, routes: withUnknownRouteReply(twoWay, routeSelectionExpression) },
            { parent: this },
        );
        this.url = this.websocket.url;
        this.apiId = this.websocket.apiId;
        this.stageName = this.websocket.stageName;
        this.functions = this.websocket.functions;
        this.registerOutputs({ url: this.url, apiId: this.apiId, stageName: this.stageName });
    }
}
