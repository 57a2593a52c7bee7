import type { WebSocketEvent } from "./events";
import { connectionRecord, deleteConnectionRow, saveConnection, type ConnectionStore } from "./connections";
import { subscribeImplicitly, subscriptionStoreOf } from "./subscriptions";

export interface ConnectOptions {
    /** `channels.unsubscribed: "all"`: until it subscribes, the connection hears every event. @default false */
    subscribeToEverything?: boolean;
}

/**
 * `$connect`: records the connection (and, for `unsubscribed: "all"`, its implicit subscription to everything),
 * then accepts it (200). If a write fails it answers 500, so API Gateway rejects the handshake: no client may
 * believe it is subscribed when it is not, and no row stays behind for a connection that never opened.
 */
export function connectHandler(store: ConnectionStore, options: ConnectOptions = {}) {
    return async (event: WebSocketEvent): Promise<{ statusCode: number }> => {
        const record = connectionRecord(event);
        let saved = false;
        try {
            await saveConnection(store, record);
            saved = true;
            const subscriptions = subscriptionStoreOf(store);
            if (options.subscribeToEverything && subscriptions) {
                await subscribeImplicitly(subscriptions, record.connectionId, record.expiresAt);
            }
            return { statusCode: 200 };
        } catch (err) {
            console.error(
                JSON.stringify({ msg: "connect: could not record the connection", connectionId: record.connectionId, error: String(err) }),
            );
            // A refused connection gets no $disconnect: its row goes now, or by TTL if this fails too.
            if (saved) await deleteConnectionRow(store, record.connectionId).catch(() => undefined);
            return { statusCode: 500 };
        }
    };
}

/** The options the component configures (CHANNELS_UNSUBSCRIBED). */
export function connectOptionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ConnectOptions {
    return { subscribeToEverything: (env.CHANNELS_UNSUBSCRIBED ?? "all") === "all" };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
