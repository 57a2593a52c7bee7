import { close, listen, readBodyUpTo } from "../http";
import type { Latency } from "../latency";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { policyAllows, type PolicyDocument } from "../../graph/iam";
import type { ResourceGraph } from "../../graph/resource-graph";
import type { ApiSpec, FunctionSpec, RouteSpec } from "../../graph/specs";
import type { InvokeOutcome } from "../lambda/runtime";
import type { GatewayLimits } from "./limits";
import { errorFrame, newId, requestContext, requestParts, type ApiInfo, type ConnectionInfo } from "./proxy-events";
import { selectRoute } from "./route-selection";

/** What the gateway needs of the Lambda runtime: its functions, and running one synchronously. */
export interface GatewayLambda {
    find(reference: string): FunctionSpec | undefined;
    invoke(reference: string, event: unknown): Promise<InvokeOutcome>;
}

/** A view of each connection's socket as it opens, for measuring what writing frames directly costs (bench). */
export type ConnectionTap = (api: string, socket: WebSocket) => void;

export interface GatewayOptions {
    api: ApiSpec;
    graph: ResourceGraph;
    lambda: GatewayLambda;
    region: string;
    limits: GatewayLimits;
    /** Delay before each `@connections` request is handled. */
    latency: Latency;
    log: (line: string) => void;
    connectionTap?: ConnectionTap;
}

interface Connection extends ConnectionInfo {
    ws: WebSocket;
    lastActiveAt: number;
    idleTimer?: NodeJS.Timeout;
    lifetimeTimer: NodeJS.Timeout;
    /** Set when the gateway closes the connection itself, for the DISCONNECT event (B16). */
    serverClose?: { code: number; reason: string };
}

type Integration = { kind: "ok"; value: unknown } | { kind: "error"; detail: string } | { kind: "timeout" };

const CLOSE_REASONS: Record<number, string> = {
    1000: "Connection Closed Normally",
    1001: "Going away",
    1005: "Client-side close frame status not set",
};

/**
 * One API Gateway WebSocket API on loopback: the handshake with its authorizer and `$connect` (held until they
 * finish), route selection, Lambda proxy integrations, route responses, `$disconnect`, and the `@connections`
 * management API on the same port, as docs/aws-behaviour.md states them (B1–B24).
 */
export class WebSocketGateway {
    private readonly server: Server;
    private readonly wss: WebSocketServer;
    private readonly connections = new Map<string, Connection>();
    private readonly pendingDisconnects = new Set<Promise<unknown>>();
    private readonly protocols = new WeakMap<IncomingMessage, string>();
    private readonly lambda: GatewayLambda;
    private readonly info: ApiInfo;
    /** Fixed for the gateway's life; read on every message and every @connections request. */
    private readonly routeKeys: ReadonlySet<string>;
    private readonly connectionsPath: RegExp;

    constructor(private readonly options: GatewayOptions) {
        const { api, region } = options;
        this.lambda = options.lambda;
        this.info = { apiId: api.apiId, stage: api.stage, domainName: `${api.apiId}.execute-api.${region}.amazonaws.com` };
        this.routeKeys = new Set(options.api.routes.keys());
        this.connectionsPath = new RegExp(`^/${escapeRegExp(options.api.stage)}/@connections/([^/]+)$`);
        this.wss = new WebSocketServer({
            noServer: true,
            maxPayload: options.limits.maxMessageBytes,
            perMessageDeflate: false,
            handleProtocols: (_offered, req) => this.protocols.get(req) ?? false,
        });
        this.server = createServer((req, res) => this.onRequest(req, res));
        this.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
            socket.on("error", () => socket.destroy());
            this.onUpgrade(req, socket, head).catch((err: unknown) => {
                this.options.log(`${this.options.api.name}: handshake failed: ${String(err)}`);
                reject(socket, 500);
            });
        });
    }

    get api(): ApiSpec {
        return this.options.api;
    }

    /** Starts listening on loopback; resolves with the port. */
    listen(port: number): Promise<number> {
        return listen(this.server, port);
    }

    /** Closes every client with 1001 "Going away", waits for their `$disconnect`, then stops listening. */
    async close(): Promise<void> {
        const closed = [...this.connections.values()].map(
            (connection) =>
                new Promise<void>((resolve) => {
                    // Resolved by the close event, after onClose has queued the $disconnect awaited below.
                    connection.ws.once("close", () => resolve());
                    this.closeConnection(connection, 1001, "Going away");
                    // A client that never answers the close frame is cut off; terminate() still emits close.
                    setTimeout(() => connection.ws.terminate(), 2_000).unref();
                }),
        );
        await Promise.all(closed);
        await Promise.all([...this.pendingDisconnects]);
        this.wss.close();
        await close(this.server);
    }

    private stagePath(pathname: string): boolean {
        return pathname === `/${this.options.api.stage}` || pathname === `/${this.options.api.stage}/`;
    }

    // ---- handshake ($connect, authorizer) ----

    private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
        const url = parseUrl(req.url);
        if (!url) {
            return reject(socket, 400);
        }
        if (!this.stagePath(url.pathname)) {
            return reject(socket, 403);
        }
        // The checks ws makes in handleUpgrade, made before $connect runs: no CONNECT without a real handshake.
        if (!isWebSocketHandshake(req)) {
            return reject(socket, 400);
        }
        const parts = requestParts(req, url);
        const connection: ConnectionInfo = {
            connectionId: newId(),
            connectedAt: Date.now(),
            sourceIp: normalizeIp(req.socket.remoteAddress),
            userAgent: req.headers["user-agent"],
        };
        const connectRoute = this.options.api.routes.get("$connect");
        const status = await this.authorize(connectRoute, connection, parts);
        if (status !== undefined) {
            return reject(socket, status);
        }
        if (connectRoute) {
            const event = {
                ...parts,
                requestContext: requestContext(this.info, connection, "$connect", "CONNECT"),
                isBase64Encoded: false,
            };
            const result = await this.integrate(connectRoute, event);
            if (result.kind !== "ok") {
                return reject(socket, result.kind === "timeout" ? 504 : 502);
            }
            const response = result.value as { statusCode?: unknown; headers?: Record<string, unknown> } | null;
            const status = response?.statusCode;
            const statusCode = typeof status === "number" && Number.isInteger(status) && status >= 200 && status <= 599 ? status : 502;
            if (statusCode < 200 || statusCode > 299) {
                return reject(socket, statusCode);
            }
            // Only Sec-WebSocket-Protocol from the $connect response reaches the client (B11).
            const protocol = Object.entries(response?.headers ?? {}).find(([name]) => name.toLowerCase() === "sec-websocket-protocol")?.[1];
            if (typeof protocol === "string") this.protocols.set(req, protocol);
        }
        if (socket.destroyed) {
            return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(connection, ws));
    }

    /** Returns the HTTP status that rejects the handshake, or undefined to go on (B14, B15). */
    private async authorize(
        route: RouteSpec | undefined,
        connection: ConnectionInfo,
        parts: ReturnType<typeof requestParts>,
    ): Promise<number | undefined> {
        if (route?.authorizationType === "AWS_IAM") {
            // Signatures cannot be checked without AWS credentials; an unsigned request is still refused.
            const signed =
                Object.keys(parts.headers).some((h) => h.toLowerCase() === "authorization") ||
                (parts.queryStringParameters !== undefined && Object.hasOwn(parts.queryStringParameters, "X-Amz-Signature"));
            return signed ? undefined : 403;
        }
        if (route?.authorizationType !== "CUSTOM" || !route.authorizer) {
            return undefined;
        }
        for (const source of route.authorizer.identitySources) {
            const [, where, name] = /^route\.request\.(header|querystring)\.(.+)$/.exec(source) ?? [];
            const value =
                where === "header"
                    ? Object.entries(parts.headers).find(([h]) => h.toLowerCase() === name?.toLowerCase())?.[1]
                    : parts.queryStringParameters && Object.hasOwn(parts.queryStringParameters, name ?? "")
                      ? parts.queryStringParameters[name ?? ""]
                      : undefined;
            if (!value) {
                return 401;
            }
        }
        const { api } = this.options;
        const fn = this.lambda.find(route.authorizer.functionUri);
        if (!fn || !this.options.graph.permits(fn, "apigateway.amazonaws.com", `${api.executionArn}/authorizers/${route.authorizer.id}`)) {
            this.options.log(
                `${api.name}: API Gateway may not invoke the authorizer function (no lambda.Permission for ${api.executionArn}/authorizers/${route.authorizer.id})`,
            );
            return 500;
        }
        const methodArn = `${api.executionArn}/${api.stage}/$connect`;
        const outcome = await this.lambda.invoke(fn.name, {
            type: "REQUEST",
            methodArn,
            ...parts,
            stageVariables: {},
            requestContext: requestContext(this.info, connection, "$connect", "CONNECT"),
        });
        if (!outcome.ok) {
            return outcome.error.errorMessage === "Unauthorized" ? 401 : 500;
        }
        const result = outcome.value as {
            principalId?: unknown;
            policyDocument?: PolicyDocument;
            context?: Record<string, unknown>;
        } | null;
        if (!policyAllows(result?.policyDocument, "execute-api:Invoke", methodArn)) {
            return 403;
        }
        connection.authorizer = { ...(result?.context ?? {}), principalId: result?.principalId };
        return undefined;
    }

    // ---- an open connection ----

    private onOpen(info: ConnectionInfo, ws: WebSocket): void {
        const { limits } = this.options;
        const connection: Connection = {
            ...info,
            ws,
            lastActiveAt: Date.now(),
            lifetimeTimer: setTimeout(() => this.closeConnection(connection, 1001, "Going away"), limits.maxLifetimeMs),
        };
        this.connections.set(connection.connectionId, connection);
        this.options.connectionTap?.(this.options.api.name, ws);
        this.touch(connection);
        // ws closes oversized messages with 1009 (B24) and invalid UTF-8 with 1007; $disconnect reports that code.
        ws.on("error", (err: Error & { code?: string }) => {
            const code = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? 1009 : err.code === "WS_ERR_INVALID_UTF8" ? 1007 : 1002;
            connection.serverClose ??= { code, reason: err.message };
        });
        ws.on("message", (data, isBinary) => {
            if (isBinary) {
                this.closeConnection(connection, 1003, "Binary frames are not supported");
                return;
            }
            this.touch(connection);
            this.onMessage(connection, data.toString()).catch((err: unknown) => {
                this.options.log(`${this.options.api.name}: message failed: ${String(err)}`);
                this.send(connection, errorFrame("Internal server error", connection.connectionId, newId()));
            });
        });
        ws.on("close", (code, reason) => this.onClose(connection, code, reason.toString()));
    }

    /**
     * Marks the connection active. The idle timer is not re-armed on every message: when it fires, it closes the
     * connection only if it has really been idle that long, and otherwise waits out the rest.
     */
    private touch(connection: Connection): void {
        connection.lastActiveAt = Date.now();
        if (connection.idleTimer === undefined) this.armIdleTimer(connection, this.options.limits.idleTimeoutMs);
    }

    private armIdleTimer(connection: Connection, delayMs: number): void {
        connection.idleTimer = setTimeout(() => {
            const idleFor = Date.now() - connection.lastActiveAt;
            const limit = this.options.limits.idleTimeoutMs;
            if (idleFor >= limit) this.closeConnection(connection, 1001, "Going away");
            else this.armIdleTimer(connection, limit - idleFor);
        }, delayMs);
    }

    private async onMessage(connection: Connection, body: string): Promise<void> {
        const { api } = this.options;
        const routeKey = selectRoute(api.selectionExpression, body, this.routeKeys);
        const context = requestContext(this.info, connection, routeKey ?? "$default", "MESSAGE");
        if (routeKey === undefined) {
            return this.send(connection, errorFrame("Forbidden", connection.connectionId, context.requestId));
        }
        const route = api.routes.get(routeKey)!;
        const result = await this.integrate(route, { requestContext: context, body, isBase64Encoded: false });
        if (result.kind === "timeout") {
            return this.send(connection, errorFrame("Endpoint request timed out", connection.connectionId, context.requestId));
        }
        if (result.kind === "error") {
            return this.send(connection, errorFrame("Internal server error", connection.connectionId, context.requestId));
        }
        if (route.twoWay) {
            // Two-way: the returned body goes to the caller whatever the status; an empty one sends nothing (B18, B19).
            const value = result.value as { body?: unknown } | string | null;
            const reply = typeof value === "string" ? value : typeof value?.body === "string" ? value.body : undefined;
            if (reply) this.send(connection, reply);
        }
    }

    private onClose(connection: Connection, code: number, reason: string): void {
        if (!this.connections.delete(connection.connectionId)) return;
        clearTimeout(connection.idleTimer);
        clearTimeout(connection.lifetimeTimer);
        const route = this.options.api.routes.get("$disconnect");
        if (!route) return;
        const status = connection.serverClose?.code ?? code;
        const event = {
            headers: {},
            multiValueHeaders: {},
            requestContext: requestContext(this.info, connection, "$disconnect", "DISCONNECT", {
                disconnectStatusCode: status,
                disconnectReason: connection.serverClose?.reason ?? (reason || CLOSE_REASONS[status] || ""),
            }),
            isBase64Encoded: false,
        };
        // Best effort, after the socket closed; the result is ignored (B16).
        const pending = this.integrate(route, event).finally(() => this.pendingDisconnects.delete(pending));
        this.pendingDisconnects.add(pending);
    }

    private closeConnection(connection: Connection, code: number, reason: string): void {
        connection.serverClose ??= { code, reason };
        connection.ws.close(code, reason);
    }

    /** Open and not being closed: what `@connections` may still reach. */
    private isOpen(connection: Connection | undefined): connection is Connection {
        return connection !== undefined && connection.serverClose === undefined && this.connections.has(connection.connectionId);
    }

    private send(connection: Connection, data: string | Buffer): void {
        if (this.isOpen(connection)) {
            connection.ws.send(data, { binary: typeof data !== "string" });
        }
    }

    /** Invokes a route's Lambda proxy integration, as API Gateway may: only with a matching permission (B6, B7). */
    private async integrate(route: RouteSpec, event: unknown): Promise<Integration> {
        const { api, graph, limits, log } = this.options;
        const fn = route.integrationUri ? this.lambda.find(route.integrationUri) : undefined;
        if (!fn) {
            log(`${api.name} ${route.routeKey}: the route has no Lambda proxy integration the local cloud can run`);
            return { kind: "error", detail: "no integration" };
        }
        const sourceArn = `${api.executionArn}/${api.stage}/${route.routeKey}`;
        if (!graph.permits(fn, "apigateway.amazonaws.com", sourceArn)) {
            log(
                `${api.name} ${route.routeKey}: API Gateway may not invoke ${fn.name}: no lambda.Permission for apigateway.amazonaws.com matches ${sourceArn}`,
            );
            return { kind: "error", detail: "not permitted" };
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<Integration>((resolve) => {
            timer = setTimeout(() => resolve({ kind: "timeout" }), limits.integrationTimeoutMs);
        });
        const invocation = this.lambda.invoke(fn.name, event).then((outcome): Integration => {
            if (!outcome.ok)
                log(`${api.name} ${route.routeKey}: ${fn.name} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
            return outcome.ok ? { kind: "ok", value: outcome.value } : { kind: "error", detail: outcome.error.errorMessage };
        });
        try {
            return await Promise.race([invocation, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }

    // ---- HTTP: @connections (B20–B22) and plain requests (B24) ----

    private onRequest(req: IncomingMessage, res: ServerResponse): void {
        const url = parseUrl(req.url);
        if (!url) {
            return apiError(res, 400, "BadRequestException", "Invalid request URL");
        }
        const match = this.connectionsPath.exec(url.pathname);
        if (!match) {
            if (this.stagePath(url.pathname)) {
                res.writeHead(426, { "content-type": "application/json", upgrade: "websocket" }).end(
                    JSON.stringify({ message: "Upgrade Required" }),
                );
            } else {
                apiError(res, 403, "ForbiddenException", "Forbidden");
            }
            return;
        }
        readBodyUpTo(req, this.options.limits.maxMessageBytes).then(
            (body) => this.options.latency.delay(() => this.manage(req.method ?? "GET", match[1], body, res)),
            () => res.destroy(),
        );
    }

    /** `body` is undefined when it was over the message size limit. */
    private manage(method: string, encodedId: string, body: Buffer | undefined, res: ServerResponse): void {
        let connectionId: string;
        try {
            connectionId = decodeURIComponent(encodedId);
        } catch {
            return apiError(res, 400, "BadRequestException", "Invalid connection id");
        }
        const connection = this.connections.get(connectionId);
        if (!["POST", "GET", "DELETE"].includes(method)) {
            return apiError(res, 403, "ForbiddenException", "Forbidden");
        }
        if (!this.isOpen(connection)) {
            // Unknown, closed, or still in its $connect (B13).
            return apiError(res, 410, "GoneException", null);
        }
        if (method === "POST") {
            if (body === undefined) {
                return apiError(res, 413, "PayloadTooLargeException", "Message too long");
            }
            this.send(connection, isUtf8(body) ? body.toString("utf8") : body);
            res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": newId() }).end();
        } else if (method === "GET") {
            res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": newId() }).end(
                JSON.stringify({
                    connectedAt: new Date(connection.connectedAt).toISOString(),
                    identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
                    lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
                }),
            );
        } else {
            this.closeConnection(connection, 1000, "Connection Closed Normally");
            res.writeHead(204, { "x-amzn-requestid": newId() }).end();
        }
    }
}

function reject(socket: Socket, status: number): void {
    if (socket.destroyed) return;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

function apiError(res: ServerResponse, status: number, errorType: string, message: string | null): void {
    res.writeHead(status, { "content-type": "application/json", "x-amzn-ErrorType": errorType, "x-amzn-requestid": newId() }).end(
        JSON.stringify({ message }),
    );
}

function parseUrl(raw: string | undefined): URL | undefined {
    try {
        return new URL(raw ?? "/", "http://local");
    } catch {
        return undefined;
    }
}

/** What ws's handleUpgrade requires of a handshake (RFC 6455 4.2.1). */
function isWebSocketHandshake(req: IncomingMessage): boolean {
    const key = req.headers["sec-websocket-key"];
    return (
        req.method === "GET" &&
        (req.headers.upgrade ?? "").toLowerCase() === "websocket" &&
        typeof key === "string" &&
        /^[+/0-9A-Za-z]{22}==$/.test(key) &&
        (req.headers["sec-websocket-version"] === "13" || req.headers["sec-websocket-version"] === "8")
    );
}

function normalizeIp(address: string | undefined): string {
    return (address ?? "127.0.0.1").replace(/^::ffff:/, "");
}

function isUtf8(data: Buffer): boolean {
    try {
        new TextDecoder("utf-8", { fatal: true }).decode(data);
        return true;
    } catch {
        return false;
    }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
