import { createServer, type Server } from "node:net";

/** Where each service listens, decided before any starts, so that each is given the others' addresses up front. */
export interface PortPlan {
    /** One per WebSocket API, in the graph's order. */
    gateways: number[];
    s3: number;
    dynamodb: number;
    lambda: number;
    sqs: number;
}

/**
 * The fixed layout under a base port: APIs at base, base+1…; S3 base+100, DynamoDB base+101, Lambda base+102, SQS
 * base+104 (the page has base+103).
 */
export function fixedPorts(base: number, apiCount: number): PortPlan {
    return {
        gateways: Array.from({ length: apiCount }, (_, i) => base + i),
        s3: base + 100,
        dynamodb: base + 101,
        lambda: base + 102,
        sqs: base + 104,
    };
}

/**
 * The uploads page's port: base + 103, or any free one for base 0. It is not in the plan, since no service is given
 * the page's address: it listens last, on whatever port it gets.
 */
export function pagePort(base: number): number {
    return base === 0 ? 0 : base + 103;
}

/**
 * Free ports from the operating system, all held at once so that they differ, then released for the services to
 * take. Another process may take one in between: the caller starts again with a new plan (`PortTakenError`).
 */
export async function freePorts(apiCount: number): Promise<PortPlan> {
    const probes = await Promise.all(Array.from({ length: apiCount + 4 }, () => probe()));
    const ports = probes.map(({ port }) => port);
    await Promise.all(probes.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    const [s3, dynamodb, lambda, sqs] = ports.slice(apiCount);
    return { gateways: ports.slice(0, apiCount), s3, dynamodb, lambda, sqs };
}

function probe(): Promise<{ server: Server; port: number }> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
        });
    });
}

/** A service could not listen on its planned port because something else holds it. */
export class PortTakenError extends Error {
    constructor(
        readonly service: string,
        readonly port: number,
        options?: ErrorOptions,
    ) {
        super(`${service}: port ${port} is in use; start with --port <another base port>`, options);
    }
}

/** Runs a service's start, turning EADDRINUSE into a `PortTakenError` that names the service and the port. */
export async function claimPort<T>(service: string, port: number, start: () => Promise<T>): Promise<T> {
    try {
        return await start();
    } catch (err) {
        if ((err as { code?: string }).code === "EADDRINUSE") throw new PortTakenError(service, port, { cause: err });
        throw err;
    }
}
