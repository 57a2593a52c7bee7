// A loopback ws server speaking the channel protocol the way the Lambda handlers do, with a hook to answer requests
// differently (late, wrongly, not at all) and a log of what went each way, for ordering assertions.
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { isChannelName, matchingChannels, type ChannelRequest } from "../../../protocol/channels";

/** What `respond` returns: an object to send, `null` for no reply, `undefined` for the protocol's own reply. */
export type Response = object | null | undefined;

export class FakeSocket {
    readonly received: ChannelRequest[] = [];
    readonly channels = new Set<string>();
    readonly closed: Promise<void>;
    /** When the server accepted it. */
    readonly connectedAt = Date.now();
    isClosed = false;
    /** Holds `""` only from `$connect` (`unsubscribed: "all"`), until its first subscribe to another channel. */
    implicit = false;

    constructor(
        readonly ws: WebSocket,
        readonly index: number,
    ) {
        this.closed = new Promise((resolve) =>
            ws.once("close", () => {
                this.isClosed = true;
                resolve();
            }),
        );
    }

    send(message: object): void {
        if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    }

    subscribesSeen(): string[] {
        return this.received.flatMap((request) => (request.action === "subscribe" ? [request.channel] : []));
    }
}

export class FakeChannelServer {
    readonly sockets: FakeSocket[] = [];
    /** `recv <socket> <action> [channel]` and `send <socket> <type> [channel]`, in order. */
    readonly log: string[] = [];
    respond: (request: ChannelRequest, socket: FakeSocket) => Response | Promise<Response> = () => undefined;
    /** As an API with `unsubscribed: "all"`: every new socket is subscribed to `""` implicitly. */
    implicitAll = false;

    private constructor(private readonly wss: WebSocketServer) {
        wss.on("connection", (ws) => {
            const socket = new FakeSocket(ws, this.sockets.length);
            if (this.implicitAll) {
                socket.channels.add("");
                socket.implicit = true;
            }
            this.sockets.push(socket);
            ws.on("message", (data) => void this.handle(socket, String(data)));
        });
    }

    static async start(): Promise<FakeChannelServer> {
        const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
        await new Promise<void>((resolve) => wss.once("listening", resolve));
        return new FakeChannelServer(wss);
    }

    get url(): string {
        return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
    }

    /** Sends `{type:"message"}` to every open socket subscribed to a channel matching `channel`. */
    publish(channel: string, data: unknown): void {
        const matching = matchingChannels(channel);
        for (const socket of this.sockets) {
            if (!socket.isClosed && matching.some((name) => socket.channels.has(name)))
                this.reply(socket, { type: "message", channel, data });
        }
    }

    /** As `broadcast()`: to every open socket, whatever its channels. */
    broadcast(message: object): void {
        for (const socket of this.sockets) if (!socket.isClosed) this.reply(socket, message);
    }

    reply(socket: FakeSocket, message: object): void {
        const { type, channel } = message as { type?: string; channel?: string };
        this.log.push(["send", socket.index, type ?? "-", ...(channel === undefined ? [] : [channel])].join(" "));
        socket.send(message);
    }

    async close(): Promise<void> {
        for (const client of this.wss.clients) client.terminate();
        await new Promise((resolve) => this.wss.close(resolve));
    }

    private async handle(socket: FakeSocket, text: string): Promise<void> {
        const request = JSON.parse(text) as ChannelRequest;
        socket.received.push(request);
        const channel = "channel" in request ? [request.channel] : [];
        this.log.push(["recv", socket.index, request.action, ...channel].join(" "));
        const custom = await this.respond(request, socket);
        if (custom === null) return;
        this.reply(socket, custom ?? this.protocolReply(request, socket));
    }

    private protocolReply(request: ChannelRequest, socket: FakeSocket): object {
        switch (request.action) {
            case "subscribe":
                if (!isChannelName(request.channel)) return { type: "error", error: "InvalidChannel", message: "bad channel" };
                // The first subscribe to another channel removes the implicit one; an explicit "" is kept.
                if (socket.implicit && request.channel !== "") socket.channels.delete("");
                socket.implicit = false;
                socket.channels.add(request.channel);
                return { type: "subscribed", channel: request.channel };
            case "unsubscribe":
                socket.channels.delete(request.channel);
                if (request.channel === "") socket.implicit = false;
                return { type: "unsubscribed", channel: request.channel };
            case "ping":
                return { type: "pong" };
            case "upload":
                return {
                    type: "upload",
                    key: request.key,
                    url: `http://127.0.0.1/bucket/${request.key}?signed`,
                    method: "PUT",
                    headers: { "Content-Type": request.contentType ?? "application/octet-stream" },
                    expiresAt: new Date(Date.now() + 60_000).toISOString(),
                };
        }
    }
}

/** Polls until `predicate` holds; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await delay(10);
    }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
