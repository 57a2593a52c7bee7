import ReconnectingWebSocket from "partysocket/ws";
import type { Notification, SubscribeRequest, UnsubscribeRequest } from "../protocol/channels";
import { backoffDelay, sleep, type BackoffOptions } from "./backoff";
import { ChannelError } from "./channel-error";
import { parseIncoming } from "./incoming";
import { channelOf, PendingRequest, type RequestHolder } from "./request";
import type { WebSocketConstructor } from "./websocket";

export interface ConnectionOptions {
    url: string | (() => string | Promise<string>);
    WebSocket: WebSocketConstructor;
    backoff: Required<BackoffOptions>;
    heartbeatIntervalMs: number;
    /** How long a sent request may wait for its reply. */
    requestTimeoutMs: number;
}

/** What a connection tells its client. */
export interface ConnectionHooks {
    /** The channels to subscribe to on every open, in order. */
    channels(): readonly string[];
    /**
     * Whether a socket that opens wanting no channels first unsubscribes from `""`: the client has subscribed before,
     * so the implicit subscription to everything (`unsubscribed: "all"`) each new connection gets is not wanted.
     */
    dropsImplicit(): boolean;
    open(connection: Connection): void;
    /** A close nobody asked for, after an open; partysocket reconnects. */
    lost(connection: Connection): void;
    /** Every channel of an open is subscribed (or refused for good). */
    ready(connection: Connection): void;
    /** After close(): the connection is done for good. */
    ended(connection: Connection): void;
    notification(connection: Connection, text: string, notification: Notification): void;
    /** A frame that is neither the reply to the request in flight nor a notification. */
    frame(connection: Connection, text: string, value: unknown): void;
    restored(connection: Connection, channel: string): void;
    /** A re-subscription refused for good, the refusal of a ping, or an error reply with no request in flight. */
    error(connection: Connection, error: ChannelError): void;
}

/** Refusals that a retry would get again: a re-subscription refused so is given up (the channel dropped). */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(["Forbidden", "InvalidChannel", "ChannelTooLong", "TooManyChannels"]);

const isServerError = (outcome: unknown): outcome is ChannelError =>
    outcome instanceof ChannelError && outcome.code !== "Timeout" && outcome.code !== "Closed";

/**
 * One reconnecting socket and its requests. Replies carry no request id, so requests go one at a time: a reply answers
 * the request in flight. After every open it subscribes to the client's channels before anything else.
 */
export class Connection implements RequestHolder {
    private readonly socket: ReconnectingWebSocket;
    private readonly stopBackoff = new AbortController();
    private queue: PendingRequest[] = [];
    private inFlight: PendingRequest | undefined;
    private heartbeat: ReturnType<typeof setInterval> | undefined;
    /** Counts opens and closes, so that a pass of re-subscriptions from before a close is not taken as ready. */
    private generation = 0;
    /**
     * Connects since the server last answered a request: 0 before the first. The backoff is ours, not partysocket's
     * (whose retry count reconnect() resets, and minUptime resets however dead the socket), so that a socket that
     * opens but never answers is retried later and later, not in a loop.
     */
    private attempts = 0;
    /** A swap's old socket: it takes no calls, and closes after the drain. */
    private retiring = false;
    private drained = false;
    private drainTimer: ReturnType<typeof setTimeout> | undefined;
    private closed = false;
    isOpen = false;

    constructor(
        private readonly options: ConnectionOptions,
        private readonly hooks: ConnectionHooks,
    ) {
        // partysocket's backoff has no jitter, so its own delays are 0 and the URL provider, which it awaits before
        // every connect, sleeps a full-jitter delay instead (none on the first connect, backoffDelay(0) on the first retry).
        const url = async (): Promise<string> => {
            const attempt = this.attempts++;
            if (attempt > 0) await sleep(backoffDelay(attempt - 1, options.backoff), this.stopBackoff.signal);
            if (typeof options.url === "string") return options.url;
            // Once closed, partysocket connects no more whatever this returns: the URL function is not asked (for a token, say).
            return this.closed ? "" : options.url();
        };
        this.socket = new ReconnectingWebSocket(url, undefined, {
            WebSocket: options.WebSocket,
            minReconnectionDelay: 0,
            maxReconnectionDelay: 0,
            // Requests are sent only while open; a frame partysocket buffered would be replayed ahead of the re-subscriptions.
            maxEnqueuedMessages: 0,
        });
        this.socket.addEventListener("open", () => this.handleOpen());
        this.socket.addEventListener("close", () => this.handleClose());
        this.socket.addEventListener("message", (event) => this.handleMessage(event.data));
    }

    enqueue(request: PendingRequest): void {
        if (this.closed) return request.settle(closedError());
        request.holder = this;
        this.queue.push(request);
        if (!this.isOpen) request.waitForConnection();
        this.pump();
    }

    withdraw(request: PendingRequest): void {
        if (this.inFlight === request) {
            this.inFlight = undefined;
            // Its reply may still come and would be taken as the next request's, so start over on a fresh socket.
            if (this.retiring) this.close();
            else this.restart();
        } else {
            this.queue = this.queue.filter((queued) => queued !== request);
        }
    }

    /** Takes out the callers' requests not yet sent, to go on another connection. */
    drainCalls(): PendingRequest[] {
        const calls = this.queue.filter((request) => request.kind === "call");
        this.queue = this.queue.filter((request) => request.kind !== "call");
        return calls;
    }

    /**
     * The swap's new socket is ready: this one takes no more calls but stays open for `drainMs`, delivering what
     * fan-outs that read its subscription rows still post to it, then closes once its request in flight is answered.
     */
    retire(drainMs: number): void {
        if (this.retiring || this.closed) return;
        this.retiring = true;
        this.drainTimer = setTimeout(() => {
            this.drained = true;
            this.pump();
        }, drainMs);
    }

    /** For good: no reconnect; every request still here is rejected. */
    close(): void {
        if (this.closed) return;
        this.closed = true;
        this.stopBackoff.abort();
        clearTimeout(this.drainTimer);
        // Dispatches close at once (handleClose), which puts a call in flight back in the queue.
        this.socket.close();
        this.stopHeartbeat();
        const left = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
        this.inFlight = undefined;
        this.queue = [];
        for (const request of left) request.settle(closedError());
        this.hooks.ended(this);
    }

    /** A fresh socket, through the backoff: reconnect() resets partysocket's retry count, but the delay is ours. */
    private restart(): void {
        if (!this.closed) this.socket.reconnect();
    }

    private handleOpen(): void {
        this.isOpen = true;
        const generation = ++this.generation;
        this.heartbeat = setInterval(() => this.ping(), this.options.heartbeatIntervalMs);
        for (const request of this.queue) request.connected();
        // A channel a queued call subscribes to anyway is waited for rather than subscribed twice.
        const queued = new Map<string, PendingRequest>();
        for (const request of this.queue) {
            if (request.kind === "call" && request.message.action === "subscribe") queued.set(request.message.channel, request);
        }
        const restores: PendingRequest[] = [];
        const channels = this.hooks.channels();
        const awaited: Promise<void>[] = [];
        if (channels.length === 0 && this.hooks.dropsImplicit()) {
            awaited.push(this.restore({ action: "unsubscribe", channel: "" }, generation, restores));
        }
        for (const channel of channels) {
            const call = queued.get(channel);
            awaited.push(call ? call.finished : this.restore({ action: "subscribe", channel }, generation, restores));
        }
        this.queue.unshift(...restores);
        void Promise.all(awaited).then(() => {
            if (generation === this.generation && !this.closed) this.hooks.ready(this);
        });
        this.hooks.open(this);
        this.pump();
    }

    private handleClose(): void {
        if (!this.isOpen) return;
        this.isOpen = false;
        this.generation++;
        this.stopHeartbeat();
        const interrupted = this.inFlight;
        this.inFlight = undefined;
        // A call is sent again after the reconnect; re-subscriptions and pings are made afresh.
        if (interrupted?.kind === "call") this.queue.unshift(interrupted);
        else interrupted?.settle(closedError("The socket closed"));
        for (const request of this.queue) if (request.kind !== "call") request.settle(closedError("The socket closed"));
        this.queue = this.queue.filter((request) => request.kind === "call");
        for (const request of this.queue) request.waitForConnection();
        if (!this.closed) this.hooks.lost(this);
    }

    private handleMessage(data: unknown): void {
        if (typeof data !== "string") return;
        const incoming = parseIncoming(data);
        if (incoming.kind === "notification") return this.hooks.notification(this, data, incoming.notification);
        if (incoming.kind === "other") return this.hooks.frame(this, data, incoming.value);
        const head = this.inFlight;
        if (incoming.kind === "error") {
            const error = new ChannelError(incoming.code, incoming.message, head && channelOf(head.message));
            if (!head) {
                this.hooks.error(this, error);
                return this.hooks.frame(this, data, incoming.value);
            }
            this.inFlight = undefined;
            // The connection's row is gone (expired, or cleaned after a 410): only a new connection helps.
            if (error.code === "NotConnected") {
                head.settle(error);
                return this.restart();
            }
            this.attempts = 1;
            head.settle(error);
        } else {
            // Not the answer to the request in flight (a pong during a subscribe, say): not an answer at all.
            if (!head?.answers(incoming.reply)) return this.hooks.frame(this, data, incoming.value);
            this.inFlight = undefined;
            // The server answers: the next reconnect is a first retry again.
            this.attempts = 1;
            head.settle(incoming.reply);
        }
        this.pump();
    }

    private pump(): void {
        if (this.closed) return;
        if (this.drained && !this.inFlight) return this.close();
        if (!this.isOpen || this.inFlight) return;
        const next = this.queue.shift();
        if (!next) return;
        // false: the socket is no longer open, and its close event follows.
        if (!this.socket.send(JSON.stringify(next.message))) return void this.queue.unshift(next);
        this.inFlight = next;
        next.sent();
    }

    /**
     * The re-subscription (or, wanting no channels, the unsubscribe from `""`) of one open; settles when it is done
     * with, however. A permanent refusal is reported (and the client drops the channel); a timeout starts the socket
     * over (withdraw), and the next open restores again; any other failure (InternalError, a gateway error,
     * throttling) is sent again on this socket after a backoff, for as long as the channel is wanted.
     */
    private restore(
        message: SubscribeRequest | UnsubscribeRequest,
        generation: number,
        batch?: PendingRequest[],
        attempt = 0,
    ): Promise<void> {
        const acknowledgement = message.action === "subscribe" ? "subscribed" : "unsubscribed";
        return new Promise((resolve) => {
            const request = new PendingRequest(
                message,
                "restore",
                (reply) => reply.type === acknowledgement,
                (outcome) => {
                    if (!(outcome instanceof ChannelError)) {
                        if (message.action === "subscribe") this.hooks.restored(this, message.channel);
                        return resolve();
                    }
                    if (PERMANENT_REFUSALS.has(outcome.code)) {
                        this.hooks.error(this, outcome);
                        return resolve();
                    }
                    if (outcome.code === "Timeout" || outcome.code === "Closed" || outcome.code === "NotConnected") return resolve();
                    void sleep(backoffDelay(attempt, this.options.backoff), this.stopBackoff.signal).then(() => {
                        if (generation !== this.generation || this.closed || !this.stillWanted(message)) return resolve();
                        // A caller's subscribe to it, queued or in flight, is as good.
                        const call = this.subscribeCall(message.channel);
                        if (message.action === "subscribe" && call) return void call.finished.then(resolve);
                        void this.restore(message, generation, undefined, attempt + 1).then(resolve);
                    });
                },
                { replyMs: this.options.requestTimeoutMs },
            );
            request.holder = this;
            if (batch) {
                batch.push(request);
            } else {
                this.queue.unshift(request);
                this.pump();
            }
        });
    }

    private stillWanted(message: SubscribeRequest | UnsubscribeRequest): boolean {
        const channels = this.hooks.channels();
        return message.action === "subscribe" ? channels.includes(message.channel) : channels.length === 0;
    }

    private subscribeCall(channel: string): PendingRequest | undefined {
        return [...(this.inFlight ? [this.inFlight] : []), ...this.queue].find(
            (request) => request.kind === "call" && request.message.action === "subscribe" && request.message.channel === channel,
        );
    }

    private ping(): void {
        if (this.inFlight?.kind === "ping" || this.queue.some((request) => request.kind === "ping")) return;
        // A pong that does not come within the request timeout means a dead socket: withdraw() starts over.
        const ping = new PendingRequest(
            { action: "ping" },
            "ping",
            (reply) => reply.type === "pong",
            (outcome) => {
                if (isServerError(outcome)) this.hooks.error(this, outcome);
            },
            { replyMs: this.options.requestTimeoutMs },
        );
        this.enqueue(ping);
    }

    private stopHeartbeat(): void {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
    }
}

const closedError = (message = "The client was closed"): ChannelError => new ChannelError("Closed", message);
