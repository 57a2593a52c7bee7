import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type ConnectionBehaviour =
    { kind: "gone" } | { kind: "throttle"; times: number } | { kind: "fail"; status: number; errorType: string };

/**
 * A minimal `@connections` endpoint on loopback (B20–B22): `POST /{stage}/@connections/{id}` answers 200, or the
 * error a connection is set up to give, with `x-amzn-ErrorType` so SDK v3 names the error.
 */
export class FakeConnectionsEndpoint {
    /** Bodies received, by connection id, as text. */
    readonly received = new Map<string, string[]>();
    /** POSTs seen, by connection id, whatever the answer. */
    readonly attempts = new Map<string, number>();
    readonly behaviour = new Map<string, ConnectionBehaviour>();
    /** Answers are delayed this long, to make concurrency observable. */
    delayMs = 0;
    maxInFlight = 0;
    private inFlight = 0;
    private server?: Server;

    async start(stage = "dev"): Promise<string> {
        this.server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (chunk: Buffer) => chunks.push(chunk));
            req.on("end", () => {
                this.inFlight++;
                this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
                setTimeout(() => {
                    this.inFlight--;
                    this.answer(stage, req.method ?? "", req.url ?? "", Buffer.concat(chunks), res);
                }, this.delayMs);
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${stage}`;
    }

    private answer(stage: string, method: string, url: string, body: Buffer, res: import("node:http").ServerResponse): void {
        const match = new RegExp(`^/${stage}/@connections/([^/?]+)$`).exec(url);
        if (method !== "POST" || !match) {
            res.writeHead(404).end();
            return;
        }
        const id = decodeURIComponent(match[1]);
        this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
        const behaviour = this.behaviour.get(id);
        const error = (status: number, type: string): void => {
            res.writeHead(status, { "content-type": "application/json", "x-amzn-ErrorType": type }).end(JSON.stringify({ message: type }));
        };
        if (behaviour?.kind === "gone") return error(410, "GoneException");
        if (behaviour?.kind === "fail") return error(behaviour.status, behaviour.errorType);
        if (behaviour?.kind === "throttle" && behaviour.times > 0) {
            behaviour.times--;
            return error(429, "LimitExceededException");
        }
        this.received.set(id, [...(this.received.get(id) ?? []), body.toString("utf8")]);
        res.writeHead(200).end();
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}
