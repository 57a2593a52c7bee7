import type { WebSocketEvent } from "./events";
import { connectionRecord, saveConnection, type ConnectionStore } from "./connections";

/**
 * `$connect`: records the connection, then accepts it (200). If the write fails it answers 500, so API Gateway
 * rejects the handshake: no client may believe it is subscribed when it is not.
 */
export function connectHandler(store: ConnectionStore) {
    return async (event: WebSocketEvent): Promise<{ statusCode: number }> => {
        const record = connectionRecord(event);
        try {
            await saveConnection(store, record);
            return { statusCode: 200 };
        } catch (err) {
            console.error(
                JSON.stringify({ msg: "connect: could not record the connection", connectionId: record.connectionId, error: String(err) }),
            );
            return { statusCode: 500 };
        }
    };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
