import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { WebSocketEvent, WebSocketResult } from "../handlers/events";
import { INTEGRATION_TIMEOUT_SECONDS } from "./defaults";
import { HandlerFunction, mergeFunctionSettings, type FunctionCode, type FunctionSettings } from "./handler-function";
import type { PolicyStatement } from "./policy";
import { InvalidArgumentError } from "./validation";

/** A route's code: a callback, `{ factory }`, or an existing `aws.lambda.Function`. */
export type RouteHandler = FunctionCode<WebSocketEvent, WebSocketResult>;

/** A Lambda REQUEST authorizer for `$connect`. */
export interface RequestAuthorizerArgs {
    /**
     * Returns an IAM policy allowing or denying `execute-api:Invoke` on `event.methodArn`, a `principalId`, and
     * an optional `context`; both reach every later event of the connection as `requestContext.authorizer`.
     */
    handler: FunctionCode<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
    /**
     * Where the caller's identity is read. If any is missing or empty, API Gateway answers 401 without calling
     * the authorizer.
     * @default ["route.request.header.Authorization"]
     * @example ["route.request.querystring.token"]
     */
    identitySources?: string[];
    /** Lambda settings of the authorizer function. */
    function?: FunctionSettings;
}

/** A route with options; a bare `RouteHandler` is the same as `{ handler }`. */
export interface RouteArgs {
    /** The code behind the route. */
    handler: RouteHandler;
    /**
     * Two-way: send the function's returned `body` back to the caller (a `$default` route response). One-way
     * routes answer nothing; their functions reply through `@connections` if at all.
     * @default false (EchoWebSocket makes every route two-way)
     */
    returnResponse?: boolean;
    /**
     * Who may connect: "AWS_IAM" (SigV4-signed requests) or a Lambda REQUEST authorizer. API Gateway authorizes
     * WebSocket clients once, on `$connect`; an authorizer on another route is rejected.
     * @default none: anyone may connect
     */
    authorizer?: "AWS_IAM" | RequestAuthorizerArgs;
    /** Lambda settings for this route's function, over the API's defaults. */
    function?: FunctionSettings;
    /** Extra grants for this route's function, each scoped to named resources. */
    policyStatements?: pulumi.Input<PolicyStatement[]>;
}

export interface WebSocketRouteArgs extends RouteArgs {
    /** The API the route belongs to. */
    api: aws.apigatewayv2.Api;
    /** The stage whose callers may invoke the function (scopes the Lambda permission). */
    stageName: pulumi.Input<string>;
    /** The route key, e.g. `$connect`, `$default` or `sendmessage`. */
    routeKey: string;
    /** Retention of the function's log group. */
    logRetentionInDays: number;
    /** Lambda settings shared by every route of the API; `function` overrides them. */
    functionDefaults?: FunctionSettings;
}

const TYPE = "serverless-websockets:index:WebSocketRoute";
/** What a route with a Lambda authorizer adds to its name for the authorizer's resources. */
export const AUTHORIZER_SUFFIX = "-authorizer";

export function isRouteArgs(value: RouteHandler | RouteArgs): value is RouteArgs {
    return !aws.lambda.Function.isInstance(value) && typeof value === "object" && "handler" in value;
}

/** A WebSocket route and everything it owns: function, integration, route, route response and permission. */
export class WebSocketRoute extends pulumi.ComponentResource {
    readonly routeKey: string;
    readonly handler: HandlerFunction<WebSocketEvent, WebSocketResult>;
    readonly function: aws.lambda.Function;
    readonly integration: aws.apigatewayv2.Integration;
    readonly route: aws.apigatewayv2.Route;
    readonly routeResponse?: aws.apigatewayv2.RouteResponse;
    readonly permission: aws.lambda.Permission;
    /** The Lambda REQUEST authorizer and its function, when the route has one. */
    readonly authorizer?: {
        authorizer: aws.apigatewayv2.Authorizer;
        handler: HandlerFunction<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
        permission: aws.lambda.Permission;
    };

    /** The name its resources are derived from. */
    readonly resourceName: string;

    constructor(name: string, args: WebSocketRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        this.resourceName = name;
        validateRoute(args);
        this.routeKey = args.routeKey;
        this.handler = this.createFunction(
            name,
            args,
            args.handler,
            args.function,
            `WebSocket route ${args.routeKey}`,
            args.policyStatements,
        );
        this.function = this.handler.function;
        this.permission = this.createPermission(name, args);
        this.integration = this.createIntegration(name, args);
        if (typeof args.authorizer === "object") {
            this.authorizer = this.createAuthorizer(name, args, args.authorizer);
        }
        this.route = this.createRoute(name, args);
        if (args.returnResponse) {
            this.routeResponse = new aws.apigatewayv2.RouteResponse(
                name,
                { apiId: args.api.id, routeId: this.route.id, routeResponseKey: "$default" },
                { parent: this },
            );
        }
        this.registerOutputs({ routeKey: this.routeKey, function: this.function, route: this.route });
    }

    /** A function API Gateway calls synchronously, so bound by its integration timeout. */
    private createFunction<E, R>(
        name: string,
        args: WebSocketRouteArgs,
        code: FunctionCode<E, R>,
        settings: FunctionSettings | undefined,
        description: string,
        policyStatements?: pulumi.Input<PolicyStatement[]>,
    ): HandlerFunction<E, R> {
        return new HandlerFunction(
            name,
            {
                code,
                settings: mergeFunctionSettings(args.functionDefaults, settings),
                logRetentionInDays: args.logRetentionInDays,
                timeoutLimit: { seconds: INTEGRATION_TIMEOUT_SECONDS, reason: "API Gateway's integration timeout" },
                policyStatements,
                description,
            },
            { parent: this },
        );
    }

    /** Only this API's stage, on this route, may invoke the function. */
    private createPermission(name: string, args: WebSocketRouteArgs): aws.lambda.Permission {
        return new aws.lambda.Permission(
            name,
            {
                action: "lambda:InvokeFunction",
                function: this.function.name,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${args.api.executionArn}/${args.stageName}/${args.routeKey}`,
            },
            { parent: this },
        );
    }

    private createIntegration(name: string, args: WebSocketRouteArgs): aws.apigatewayv2.Integration {
        return new aws.apigatewayv2.Integration(
            name,
            {
                apiId: args.api.id,
                integrationType: "AWS_PROXY",
                integrationMethod: "POST",
                integrationUri: this.function.invokeArn,
            },
            { parent: this },
        );
    }

    private createAuthorizer(name: string, args: WebSocketRouteArgs, authorizerArgs: RequestAuthorizerArgs) {
        const handler = this.createFunction(
            `${name}${AUTHORIZER_SUFFIX}`,
            args,
            authorizerArgs.handler,
            authorizerArgs.function,
            `WebSocket authorizer of ${args.routeKey}`,
        );
        const authorizer = new aws.apigatewayv2.Authorizer(
            name,
            {
                apiId: args.api.id,
                authorizerType: "REQUEST",
                authorizerUri: handler.function.invokeArn,
                identitySources: authorizerArgs.identitySources ?? ["route.request.header.Authorization"],
                name,
            },
            { parent: this },
        );
        // Only this API's authorizer may invoke the authorizer function.
        const permission = new aws.lambda.Permission(
            `${name}${AUTHORIZER_SUFFIX}`,
            {
                action: "lambda:InvokeFunction",
                function: handler.function.name,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${args.api.executionArn}/authorizers/${authorizer.id}`,
            },
            { parent: this },
        );
        return { authorizer, handler, permission };
    }

    private createRoute(name: string, args: WebSocketRouteArgs): aws.apigatewayv2.Route {
        const custom = this.authorizer;
        return new aws.apigatewayv2.Route(
            name,
            {
                apiId: args.api.id,
                routeKey: args.routeKey,
                target: pulumi.interpolate`integrations/${this.integration.id}`,
                authorizationType: custom ? "CUSTOM" : args.authorizer === "AWS_IAM" ? "AWS_IAM" : "NONE",
                authorizerId: custom?.authorizer.id,
                routeResponseSelectionExpression: args.returnResponse ? "$default" : undefined,
            },
            { parent: this, dependsOn: [this.permission, ...(custom ? [custom.permission] : [])] },
        );
    }
}

function validateRoute(args: WebSocketRouteArgs): void {
    if (args.routeKey.trim() === "" || args.routeKey.length > 128) {
        throw new InvalidArgumentError(TYPE, `route key "${args.routeKey}" must be 1 to 128 characters and not blank.`);
    }
    if (args.authorizer !== undefined && args.routeKey !== "$connect") {
        throw new InvalidArgumentError(
            TYPE,
            `route "${args.routeKey}" has an authorizer, but API Gateway authorizes WebSocket clients only on $connect: move it there.`,
        );
    }
    if (typeof args.authorizer === "object") {
        const sources = args.authorizer.identitySources ?? [];
        if (args.authorizer.identitySources !== undefined && sources.length === 0) {
            throw new InvalidArgumentError(
                TYPE,
                'authorizer.identitySources is empty: name where the identity is read, e.g. "route.request.header.Authorization".',
            );
        }
        for (const source of sources) {
            if (!/^route\.request\.(header|querystring)\.[A-Za-z0-9._-]+$/.test(source)) {
                throw new InvalidArgumentError(
                    TYPE,
                    `identity source "${source}" must look like route.request.header.NAME or route.request.querystring.NAME.`,
                );
            }
        }
    }
    if (args.returnResponse && args.routeKey === "$disconnect") {
        throw new InvalidArgumentError(TYPE, `route "$disconnect" cannot be two-way: the connection is already closed.`);
    }
}
