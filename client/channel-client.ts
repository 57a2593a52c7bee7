import { isChannelName, matchingChannels, type Notification, type UploadReply, type UploadRequest } from "../protocol/channels";
import { DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import { ChannelError } from "./channel-error";
import { Connection } from "./connection";
import { Emitter } from "./emitter";
import type { SuccessReply } from "./incoming";
import { PendingRequest } from "./request";
import { OverlapDedupe } from "./swap";
import type { WebSocketConstructor } from "./websocket";

export interface ChannelClientOptions {
    /** The API's `wss://` URL, or a function giving it before every connect (say, with a fresh token). */
    url: string | (() => string | Promise<string>);
    /** Default `globalThis.WebSocket`; on Node.js 20, pass the `ws` package's. */
    WebSocket?: WebSocketConstructor;
    /** A ping this often while open; under API Gateway's 10-minute idle timeout. Default 5 minutes. */
    heartbeatIntervalMs?: number;
    /** Delays between reconnect attempts: exponential, with full jitter. */
    reconnect?: BackoffOptions;
    /**
     * When to move to a fresh socket, ahead of API Gateway's 2-hour connection limit; `Infinity` never does.
     * Default 1 h 55 min. With `swapDrainMs`, under 2 hours.
     */
    maxConnectionAgeMs?: number;
    /**
     * How long the old socket of a swap stays open once the new one is subscribed, delivering (through the dedupe)
     * what fan-outs that read its subscription rows still post to it. Default 10 s.
     */
    swapDrainMs?: number;
    /** How long a sent request may wait for its reply; past it the socket starts over, through the backoff. Default 10 s. */
    requestTimeoutMs?: number;
    /** How long a caller's request may wait for an open connection (connecting or reconnecting). Default 10 s. */
    connectTimeoutMs?: number;
}

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface ChannelClientEvents {
    state: ConnectionState;
    notification: Notification;
    /** A channel's subscription was acknowledged: the caller's, or a re-subscription after a reconnect or swap. */
    subscribed: string;
    /**
     * An error no caller's promise gets, e.g. a re-subscription the server refused for good (`Forbidden`,
     * `InvalidChannel`, `ChannelTooLong`, `TooManyChannels`: that channel is then dropped). A re-subscription that
     * failed otherwise (`InternalError`, a gateway error, throttling, a timeout) is retried with backoff, and is not
     * reported.
     */
    error: ChannelError;
    /**
     * A frame that is neither the reply to the request in flight nor an `s3` or `message` notification, such as a
     * `broadcast()` on the same API (`{"type":"chat",…}`): its parsed JSON, or its text when it is not JSON. Delivered
     * once while a swap overlaps two sockets. An error frame with no request in flight is an `error` event as well.
     */
    frame: unknown;
}

const IDLE_TIMEOUT_MS = 10 * 60_000;
const CONNECTION_LIMIT_MS = 2 * 60 * 60_000;

/**
 * A client of the channel protocol (protocol/channels.ts): subscriptions that survive reconnects and API Gateway's
 * 2-hour connection limit, a heartbeat, and requests sent one at a time.
 */
export class ChannelClient {
    private readonly events = new Emitter<ChannelClientEvents>();
    /** The channels wanted, in the order asked for; changed when a call is made, undone when a subscribe fails. */
    private readonly wanted = new Set<string>();
    /** The latest subscribe or unsubscribe call per channel while it is unsettled: it, not an older one, decides. */
    private readonly latestCall = new Map<string, PendingRequest>();
    private readonly options: Required<Omit<ChannelClientOptions, "reconnect">> & { reconnect: Required<BackoffOptions> };
    /** Where requests go. */
    private current: Connection;
    /** The old socket while a swap overlaps it with `current`. */
    private retiring: Connection | undefined;
    /** While the old socket of a swap is open: the frames both sockets deliver, to deliver each once. */
    private dedupe: OverlapDedupe<Connection> | undefined;
    private ageTimer: ReturnType<typeof setTimeout> | undefined;
    private stateNow: ConnectionState = "connecting";
    private everOpen = false;
    /**
     * Whether a subscribe (or an unsubscribe from `""`) was ever acknowledged: from then on it hears only its channels,
     * none when it holds none, and a new socket that wants none unsubscribes from the implicit `""` first.
     */
    private chose = false;
    private closed = false;

    constructor(options: ChannelClientOptions) {
        const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        if (!WebSocket) throw new TypeError("No global WebSocket: pass options.WebSocket (on Node.js 20, the ws package's WebSocket)");
        this.options = {
            url: options.url,
            WebSocket,
            heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5 * 60_000,
            reconnect: {
                baseDelayMs: options.reconnect?.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
                maxDelayMs: options.reconnect?.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
            },
            maxConnectionAgeMs: options.maxConnectionAgeMs ?? CONNECTION_LIMIT_MS - 5 * 60_000,
            swapDrainMs: options.swapDrainMs ?? 10_000,
            requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
            connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        };
        const { heartbeatIntervalMs, maxConnectionAgeMs, swapDrainMs, requestTimeoutMs, connectTimeoutMs, reconnect } = this.options;
        if (!(heartbeatIntervalMs > 0 && heartbeatIntervalMs < IDLE_TIMEOUT_MS)) {
            throw new RangeError(`heartbeatIntervalMs must be above 0 and below ${IDLE_TIMEOUT_MS} (API Gateway's idle timeout)`);
        }
        if (!(maxConnectionAgeMs > 0)) throw new RangeError("maxConnectionAgeMs must be above 0");
        if (!(swapDrainMs >= 0 && Number.isFinite(swapDrainMs))) throw new RangeError("swapDrainMs must be a finite number, 0 or more");
        // The old socket must still be open when its drain ends: API Gateway closes every connection at 2 hours.
        if (Number.isFinite(maxConnectionAgeMs) && !(maxConnectionAgeMs + swapDrainMs < CONNECTION_LIMIT_MS)) {
            throw new RangeError(
                `maxConnectionAgeMs + swapDrainMs must be below ${CONNECTION_LIMIT_MS} (API Gateway's 2-hour connection limit)`,
            );
        }
        if (!(requestTimeoutMs > 0)) throw new RangeError("requestTimeoutMs must be above 0");
        if (!(connectTimeoutMs > 0)) throw new RangeError("connectTimeoutMs must be above 0");
        if (!(reconnect.baseDelayMs >= 0 && reconnect.maxDelayMs >= 0)) throw new RangeError("reconnect delays must not be negative");
        this.current = this.connect();
    }

    get state(): ConnectionState {
        return this.stateNow;
    }

    /** The channels it wants (and subscribes to again after every reconnect), in order. */
    get channels(): ReadonlySet<string> {
        return new Set(this.wanted);
    }

    /** Returns a function that removes the listener. */
    on<K extends keyof ChannelClientEvents>(event: K, listener: (value: ChannelClientEvents[K]) => void): () => void {
        return this.events.on(event, listener);
    }

    /** Resolves when the server acknowledges; rejects with a ChannelError (an invalid name before anything is sent). */
    subscribe(channel: string): Promise<void> {
        return this.changeSubscription("subscribe", channel);
    }

    unsubscribe(channel: string): Promise<void> {
        return this.changeSubscription("unsubscribe", channel);
    }

    /**
     * A presigned PUT URL for `key`, which must lie under a subscribed channel, for a body of exactly `file.size`
     * bytes (S3 refuses any other length) and, if given, `file.contentType`. A `size` that is not a whole number of
     * bytes, 0 or more, is refused before anything is sent.
     */
    requestUpload(key: string, file: { size: number; contentType?: string }): Promise<UploadReply> {
        const size: unknown = (file as { size?: unknown } | undefined)?.size;
        if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
            const got = typeof size === "number" ? String(size) : typeof size;
            return Promise.reject(
                new ChannelError("InvalidMessage", `An upload's size must be a whole number of bytes, 0 or more, not ${got}`),
            );
        }
        const { contentType } = file;
        const message: UploadRequest =
            contentType === undefined ? { action: "upload", key, size } : { action: "upload", key, contentType, size };
        return this.call(message, (reply) => (reply.type === "upload" ? reply : undefined));
    }

    /** Closes the socket(s) for good and rejects every pending request. */
    close(): void {
        if (this.closed) return;
        this.closed = true;
        clearTimeout(this.ageTimer);
        this.retiring?.close();
        this.current.close();
        this.dedupe = undefined;
        this.updateState();
    }

    private changeSubscription(action: "subscribe" | "unsubscribe", channel: string): Promise<void> {
        if (!isChannelName(channel)) {
            const error = new ChannelError(
                "InvalidChannel",
                `Not a channel name: ${JSON.stringify(channel)} (a channel is "" or ends with "/")`,
                channel,
            );
            return Promise.reject(error);
        }
        if (this.closed) return Promise.reject(new ChannelError("Closed", "The client was closed", channel));
        if (action === "subscribe") this.wanted.add(channel);
        else this.wanted.delete(channel);
        const acknowledged = action === "subscribe" ? "subscribed" : "unsubscribed";
        const promise = this.call(
            { action, channel },
            (reply) => (reply.type === acknowledged ? reply : undefined),
            (request, outcome) => {
                const latest = this.latestCall.get(channel) === request;
                if (latest) this.latestCall.delete(channel);
                if (outcome instanceof ChannelError) {
                    if (latest && action === "subscribe") this.wanted.delete(channel);
                    return;
                }
                if (action === "subscribe" || channel === "") this.chose = true;
                if (action === "subscribe") this.events.emit("subscribed", channel);
            },
        );
        return promise.then(() => undefined);
    }

    private call<R extends SuccessReply>(
        message: PendingRequest["message"],
        pick: (reply: SuccessReply) => R | undefined,
        onSettled?: (request: PendingRequest, outcome: R | ChannelError) => void,
    ): Promise<R> {
        if (this.closed) return Promise.reject(new ChannelError("Closed", "The client was closed"));
        return new Promise((resolve, reject) => {
            const request = new PendingRequest(
                message,
                "call",
                (reply) => pick(reply) !== undefined,
                (outcome) => {
                    const result = outcome instanceof ChannelError ? outcome : pick(outcome);
                    if (result === undefined) return; // answers() admitted only replies pick() takes
                    onSettled?.(request, result);
                    if (result instanceof ChannelError) reject(result);
                    else resolve(result);
                },
                { replyMs: this.options.requestTimeoutMs, connectMs: this.options.connectTimeoutMs },
            );
            if (message.action === "subscribe" || message.action === "unsubscribe") this.latestCall.set(message.channel, request);
            this.current.enqueue(request);
        });
    }

    private connect(): Connection {
        const { url, WebSocket, reconnect, heartbeatIntervalMs, requestTimeoutMs } = this.options;
        return new Connection(
            { url, WebSocket, backoff: reconnect, heartbeatIntervalMs, requestTimeoutMs },
            {
                channels: () => [...this.wanted],
                dropsImplicit: () => this.chose,
                open: (connection) => {
                    this.everOpen = true;
                    if (connection === this.current) this.armAgeLimit();
                    this.updateState();
                },
                lost: (connection) => {
                    if (connection === this.current) clearTimeout(this.ageTimer);
                    // The old socket went first: the new one carries on alone, with the old one's unanswered call.
                    if (connection === this.retiring) this.endOverlap();
                    this.updateState();
                },
                ready: (connection) => {
                    if (connection === this.current) this.retiring?.retire(this.options.swapDrainMs);
                },
                ended: (connection) => {
                    if (connection !== this.retiring) return;
                    this.retiring = undefined;
                    this.dedupe = undefined;
                    this.updateState();
                },
                notification: (connection, text, notification) => this.deliver(connection, text, notification),
                frame: (connection, text, value) => {
                    // A broadcast reaches both sockets of a swap too.
                    if (!this.dedupe || this.dedupe.accept(connection, text)) this.events.emit("frame", value);
                },
                restored: (_connection, channel) => {
                    this.chose = true;
                    this.events.emit("subscribed", channel);
                },
                error: (_connection, error) => {
                    // A re-subscription refused for good drops the channel, unless a call for it is still to decide.
                    if (error.channel !== undefined && !this.latestCall.has(error.channel)) this.wanted.delete(error.channel);
                    this.events.emit("error", error);
                },
            },
        );
    }

    private armAgeLimit(): void {
        clearTimeout(this.ageTimer);
        if (Number.isFinite(this.options.maxConnectionAgeMs))
            this.ageTimer = setTimeout(() => this.startSwap(), this.options.maxConnectionAgeMs);
    }

    /**
     * Before API Gateway cuts the socket at 2 hours: open a second one, which subscribes to every channel. Once it is
     * ready the old one drains for `swapDrainMs` and closes (connection.ts): a fan-out that read only the old
     * socket's rows (its Query ran before the new rows existed) still reaches it. Until it has closed both deliver,
     * through the dedupe, since a fan-out that read both rows posts to both.
     */
    private startSwap(): void {
        if (this.closed) return;
        if (this.retiring) this.endOverlap();
        const old = this.current;
        this.retiring = old;
        this.dedupe = new OverlapDedupe();
        this.current = this.connect();
        for (const call of old.drainCalls()) this.current.enqueue(call);
    }

    private endOverlap(): void {
        const old = this.retiring;
        if (!old) return;
        for (const call of old.drainCalls()) this.current.enqueue(call);
        old.close();
    }

    private deliver(connection: Connection, text: string, notification: Notification): void {
        if (this.dedupe && !this.dedupe.accept(connection, text)) return;
        // Late ones for a channel just unsubscribed from are not wanted. A client that never subscribed hears what
        // the API sends it (`unsubscribed: "all"`); one that did hears only its channels, none when it holds none.
        const name = notification.type === "s3" ? notification.key : notification.channel;
        if ((this.wanted.size > 0 || this.chose) && !matchingChannels(name).some((channel) => this.wanted.has(channel))) return;
        this.events.emit("notification", notification);
    }

    private updateState(): void {
        const open = this.current.isOpen || this.retiring?.isOpen === true;
        const state = this.closed ? "closed" : open ? "open" : this.everOpen ? "reconnecting" : "connecting";
        if (state === this.stateNow) return;
        this.stateNow = state;
        this.events.emit("state", state);
    }
}
