import { deleteConnection } from "./connection-cleanup";
import { connectionIdPages, connectionStoreFromEnvironment, type ConnectionStore, type ScanOptions } from "./connections";
import { createDelivery, messageBytes, type BroadcastResult, type DeliveryOptions } from "./delivery";

export type { BroadcastResult } from "./delivery";

export interface BroadcastOptions extends DeliveryOptions {
    /** Where connection ids are kept. */
    store: ConnectionStore;
    /**
     * Scan page size and parallel-scan segment. Posting starts once the first page is read, and the next page is
     * read while this one is posted, so a small page starts sooner at no cost in read capacity (charged by size).
     * @default { pageSize: 1000 }
     */
    scan?: ScanOptions;
}

export interface Broadcaster {
    /**
     * Sends one message to every stored connection, or to one parallel-scan segment of them, whatever their
     * channels. Strings and bytes only: serialise objects once, before.
     */
    broadcast(message: string | Uint8Array, scan?: ScanOptions): Promise<BroadcastResult>;
}

const DEFAULT_SCAN_PAGE_SIZE = 1000;

/** A broadcaster for the connections table and endpoint the components put in the environment. */
export function broadcasterFromEnvironment(env: NodeJS.ProcessEnv = process.env, options: Partial<BroadcastOptions> = {}): Broadcaster {
    return createBroadcaster({ store: connectionStoreFromEnvironment(env), ...deliveryOptionsFromEnvironment(env), ...options });
}

/** The `@connections` endpoint and concurrency the components put in the environment. */
export function deliveryOptionsFromEnvironment(env: NodeJS.ProcessEnv): DeliveryOptions {
    const endpoint = env.CONNECTIONS_ENDPOINT;
    if (!endpoint) {
        throw new Error("CONNECTIONS_ENDPOINT is not set: this function needs the stage's @connections endpoint.");
    }
    return { endpoint, concurrency: env.BROADCAST_CONCURRENCY ? Number(env.BROADCAST_CONCURRENCY) : undefined };
}

/**
 * Creates a broadcaster with one keep-alive `@connections` client, to be made once per Lambda environment (in a
 * `{ factory }`) and reused by every invocation.
 */
export function createBroadcaster(options: BroadcastOptions): Broadcaster {
    const deliver = createDelivery(options);
    const forget = (connectionId: string) => deleteConnection(options.store, connectionId);
    return {
        async broadcast(message, scan) {
            const data = messageBytes(message);
            const pages = connectionIdPages(options.store, { pageSize: DEFAULT_SCAN_PAGE_SIZE, ...options.scan, ...scan });
            return deliver(pages, data, forget);
        },
    };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
