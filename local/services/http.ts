import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";

/** Listens on `port` of loopback (0: any free port) and resolves with the port it got. */
export function listen(server: Server, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

/** Stops listening and ends kept-alive connections, so that close does not wait for idle clients. */
export function close(server: Server): Promise<void> {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A request's body, or `undefined` when it is over `limit` bytes. It is read to the end either way, so the
 * answer (a 413, say) still reaches the client; bytes past the limit are not kept.
 */
export function readBodyUpTo(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= limit) chunks.push(chunk);
        });
        req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
        req.on("error", reject);
    });
}

/**
 * A request whose body was already read, readable again with the same head: what a server library that reads the
 * body itself (dynalite, s3rver) is handed once the local cloud has decided on that body.
 */
export function replayRequest(req: IncomingMessage, body: Buffer): IncomingMessage {
    const replay = new PassThrough();
    Object.assign(replay, {
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        trailers: {},
        rawTrailers: [],
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        httpVersionMajor: req.httpVersionMajor,
        httpVersionMinor: req.httpVersionMinor,
        socket: req.socket,
        connection: req.socket,
        complete: true,
        aborted: false,
    });
    replay.end(body);
    return replay as unknown as IncomingMessage;
}
