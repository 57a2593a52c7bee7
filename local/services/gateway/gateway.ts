import { close, listen, readBodyUpTo } from "../http";
import type { Faults } from "../faults";
import type { ConnectionJournal } from "./connection-journal";
import type { Latency } from "../latency";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { ResourceGraph } from "../../graph/resource-graph";
import type { ApiSpec } from "../../graph/specs";
import type { GatewayLimits } from "./limits";
import { errorFrame, newId, type ApiInfo, type ConnectionInfo, executeApiHost } from "./proxy-events";
import { handshake as handshakeOf } from "./events/handshake";
import { connectEvent } from "./events/connect-event";
import { messageEvent } from "./events/message-event";
import { disconnectEvent } from "./events/disconnect-event";
import { selectRoute } from "./route-selection";
import { authorizeConnect, type AuthorizerContext } from "./authorizer";
import { apiError, manageConnection, type ConnectionDirectory } from "./connections-api";
import { LambdaProxyIntegration, type GatewayLambda } from "./integration";
import { deniedMessage, type AccessControl } from "../iam/access-control";

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
    /** Which `@connections` requests fail (B45). */
    faults?: Faults;
    /** IAM for the functions' `@connections` calls (P3); none: every call allowed. */
    access?: AccessControl;
    /** The account the API's ARNs name. */
    accountId: string;
    /** Where open connections are written down, when the state persists (B46). */
    journal?: ConnectionJournal;
    log: (line: string) => void;
    connectionTap?: ConnectionTap;
}

interface Connection extends ConnectionInfo {
    ws: WebSocket;
    /** When the socket opened, after `$connect`: where the 2-hour lifetime starts. */
    openedAt: number;
    lastActiveAt: number;
    /** Set when the gateway closes the connection itself, for the DISCONNECT event (B16). */
    serverClose?: { code: number; reason: string };
}

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
    /** Set once close() has begun. */
    private closing = false;
    /** Checks every open connection against the idle and lifetime limits (B24) while any is open. */
    private sweeper?: NodeJS.Timeout;
    /** Which connection a socket is, for the listeners every socket shares. */
    private readonly connectionOfSocket = new WeakMap<WebSocket, Connection>();
    /**
     * One set of socket listeners for every connection, finding it from the socket they are called on, rather than
     * three closures per connection over it.
     */
    private readonly socketListeners = (() => {
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const gateway = this;
        return {
            // ws closes oversized messages with 1009 (B24) and invalid UTF-8 with 1007; $disconnect reports that code.
            error(this: WebSocket, err: Error & { code?: string }): void {
                const connection = gateway.connectionOfSocket.get(this);
                if (!connection) return;
                const code = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? 1009 : err.code === "WS_ERR_INVALID_UTF8" ? 1007 : 1002;
                connection.serverClose ??= { code, reason: err.message };
            },
            message(this: WebSocket, data: RawData, isBinary: boolean): void {
                const connection = gateway.connectionOfSocket.get(this);
                if (!connection) return;
                if (isBinary) {
                    gateway.closeConnection(connection, 1003, "Binary frames are not supported");
                    return;
                }
                connection.lastActiveAt = Date.now();
                gateway.onMessage(connection, data.toString()).catch((err: unknown) => {
                    gateway.options.log(`${gateway.options.api.name}: message failed: ${String(err)}`);
                    gateway.send(connection, errorFrame("Internal server error", connection.connectionId, newId()));
                });
            },
            close(this: WebSocket, code: number, reason: Buffer): void {
                const connection = gateway.connectionOfSocket.get(this);
                if (connection) gateway.onClose(connection, code, reason.toString());
            },
        };
    })();
    private readonly protocols = new WeakMap<IncomingMessage, string>();
    private readonly lambda: GatewayLambda;
    private readonly info: ApiInfo;
    private readonly authorizer: AuthorizerContext;
    private readonly integration: LambdaProxyIntegration;
    /** What `@connections` may reach: open connections, not those being closed or still in `$connect`. */
    private readonly directory: ConnectionDirectory<Connection> = {
        find: (connectionId) => {
            const connection = this.connections.get(connectionId);
            return this.isOpen(connection) ? connection : undefined;
        },
        post: (connection, data) => this.send(connection, data),
        disconnect: (connection) => this.closeConnection(connection, 1000, "Connection Closed Normally"),
    };
    /** Fixed for the gateway's life; read on every message and every @connections request. */
    private readonly routeKeys: ReadonlySet<string>;
    private readonly connectionsPath: RegExp;

    constructor(private readonly options: GatewayOptions) {
        const { api, region } = options;
        this.lambda = options.lambda;
        this.info = { apiId: api.apiId, stage: api.stage, domainName: executeApiHost(api.apiId, region) };
        this.integration = new LambdaProxyIntegration({
            api,
            graph: options.graph,
            lambda: options.lambda,
            limits: options.limits,
            log: options.log,
        });
        this.authorizer = { api, info: this.info, graph: options.graph, lambda: this.lambda, log: options.log };
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
        this.closing = true;
        const closed = [...this.connections.values()].map((connection) => this.goAway(connection));
        await Promise.all(closed);
        await Promise.all([...this.pendingDisconnects]);
        clearInterval(this.sweeper);
        this.sweeper = undefined;
        this.wss.close();
        await close(this.server);
    }

    /**
     * Closes a connection with 1001 "Going away"; resolves on its close event, after onClose has queued the
     * `$disconnect` that close() awaits. A client that never answers the close frame is cut off after 2 s.
     */
    private goAway(connection: Connection): Promise<void> {
        return new Promise<void>((resolve) => {
            connection.ws.once("close", () => resolve());
            this.closeConnection(connection, 1001, "Going away");
            setTimeout(() => connection.ws.terminate(), 2_000).unref();
        });
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
        const connection: ConnectionInfo = {
            connectionId: newId(),
            connectedAt: Date.now(),
            sourceIp: normalizeIp(req.socket.remoteAddress),
            userAgent: req.headers["user-agent"],
        };
        const handshake = handshakeOf(req, url, connection, this.info);
        const connectRoute = this.options.api.routes.get("$connect");
        const status = await authorizeConnect(connectRoute, connection, handshake, this.authorizer);
        if (status !== undefined) {
            return reject(socket, status);
        }
        if (connectRoute) {
            const result = await this.integration.invoke(connectRoute, connectEvent(this.info, connection, handshake));
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

    // ---- an open connection ----

    private onOpen(info: ConnectionInfo, ws: WebSocket): void {
        const now = Date.now();
        const connection: Connection = { ...info, ws, openedAt: now, lastActiveAt: now };
        this.connections.set(connection.connectionId, connection);
        this.options.journal?.opened(connection);
        this.options.connectionTap?.(this.options.api.name, ws);
        this.sweeper ??= setInterval(() => this.sweep(), this.sweepEveryMs()).unref();
        this.connectionOfSocket.set(ws, connection);
        ws.on("error", this.socketListeners.error);
        ws.on("message", this.socketListeners.message);
        ws.on("close", this.socketListeners.close);
        // A handshake that finished while the API was closing: it goes the way of the others (its $disconnect runs).
        if (this.closing) this.pendingDisconnects.add(this.goAway(connection));
    }

    /**
     * How often the limits are checked: a tenth of the shorter, at most once a second, so a connection closes within
     * a second of its limit. One timer for every connection, not two each (a timer and its closure are a tenth of
     * what an open connection holds).
     */
    private sweepEveryMs(): number {
        const { idleTimeoutMs, maxLifetimeMs } = this.options.limits;
        return Math.max(5, Math.min(1_000, Math.min(idleTimeoutMs, maxLifetimeMs) / 10));
    }

    /** Closes with 1001 "Going away" every connection idle or open past its limit; stops once none is open. */
    private sweep(): void {
        const now = Date.now();
        const { idleTimeoutMs, maxLifetimeMs } = this.options.limits;
        for (const connection of this.connections.values()) {
            const expired = now - connection.lastActiveAt >= idleTimeoutMs || now - connection.openedAt >= maxLifetimeMs;
            if (expired && connection.serverClose === undefined) this.closeConnection(connection, 1001, "Going away");
        }
        if (this.connections.size === 0) {
            clearInterval(this.sweeper);
            this.sweeper = undefined;
        }
    }

    private async onMessage(connection: Connection, body: string): Promise<void> {
        const { api } = this.options;
        const routeKey = selectRoute(api.selectionExpression, body, this.routeKeys);
        const event = messageEvent(this.info, connection, routeKey ?? "$default", body);
        const context = event.requestContext;
        if (routeKey === undefined) {
            return this.send(connection, errorFrame("Forbidden", connection.connectionId, context.requestId));
        }
        const route = api.routes.get(routeKey)!;
        const result = await this.integration.invoke(route, event);
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

    /**
     * Runs `$disconnect` for connections a previous run left open (B46): their sockets died with it, as a client's
     * does when its network drops (1006), and AWS would have run `$disconnect` for each.
     */
    async disconnectLeftovers(leftOpen: ConnectionInfo[]): Promise<void> {
        const route = this.options.api.routes.get("$disconnect");
        await Promise.all(
            leftOpen.map(async (connection) => {
                if (route) await this.integration.invoke(route, disconnectEvent(this.info, connection, 1006, ""));
                this.options.journal?.closed(connection.connectionId);
            }),
        );
    }

    private onClose(connection: Connection, code: number, reason: string): void {
        if (!this.connections.delete(connection.connectionId)) return;
        this.options.journal?.closed(connection.connectionId);
        const route = this.options.api.routes.get("$disconnect");
        if (!route) return;
        const status = connection.serverClose?.code ?? code;
        const event = disconnectEvent(
            this.info,
            connection,
            status,
            connection.serverClose?.reason ?? (reason || CLOSE_REASONS[status] || ""),
        );
        // Best effort, after the socket closed; the result is ignored (B16).
        const pending = this.integration.invoke(route, event).finally(() => this.pendingDisconnects.delete(pending));
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
            (body) =>
                this.options.latency.delay(() => {
                    // IAM first, as AWS decides it before anything else; then the fault model.
                    if (this.refusedByIam(req, res, match[1]) || this.injectFault(match[1], res)) return;
                    manageConnection(req.method ?? "GET", match[1], body, res, this.directory);
                }),
            () => res.destroy(),
        );
    }

    /**
     * Answers a function's `@connections` call its role may not make, as API Gateway does (P3, P4): 403
     * `AccessDeniedException` for `execute-api:ManageConnections` on `{api}/{stage}/{METHOD}/@connections/{id}`, the
     * message naming the resource with the account masked and the id as `{connectionId}`. False when it goes on.
     */
    private refusedByIam(req: IncomingMessage, res: ServerResponse, encodedId: string): boolean {
        const caller = this.options.access?.callerOfRequest(req);
        if (caller === undefined) return false;
        const { region, accountId, api } = this.options;
        const route = (account: string, id: string) =>
            `arn:aws:execute-api:${region}:${account}:${api.apiId}/${api.stage}/${req.method ?? "GET"}/@connections/${id}`;
        const denial = this.options.access!.check(caller, [
            { action: "execute-api:ManageConnections", resource: route(accountId, safeDecode(encodedId)) },
        ]);
        if (denial === undefined) return false;
        apiError(res, 403, "AccessDeniedException", deniedMessage(denial, route(`********${accountId.slice(-4)}`, "{connectionId}")));
        return true;
    }

    /** Answers a `@connections` request the fault model fails (B45); false when it goes through. */
    private injectFault(encodedId: string, res: ServerResponse): boolean {
        const fault = this.options.faults?.next("connections", encodedId);
        if (fault === undefined) return false;
        if (fault === "429") apiError(res, 429, "LimitExceededException", "Rate exceeded");
        else if (fault === "500") apiError(res, 500, "InternalServerErrorException", "Internal server error");
        else {
            // The client's network dropped: the socket ends without a close frame (1006), then $disconnect runs.
            this.directory.find(safeDecode(encodedId))?.ws.terminate();
            apiError(res, 410, "GoneException", null);
        }
        return true;
    }
}

function reject(socket: Socket, status: number): void {
    if (socket.destroyed) return;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
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

function safeDecode(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
