import type { WebSocketEvent } from "./events";
import { deleteConnection } from "./connection-cleanup";
import type { ConnectionStore } from "./connections";

/** `$disconnect`: forgets the connection. Idempotent; API Gateway ignores the result, so a failure is only logged. */
export function disconnectHandler(store: ConnectionStore) {
    return async (event: WebSocketEvent): Promise<{ statusCode: number }> => {
        const connectionId = event.requestContext.connectionId;
        try {
            await deleteConnection(store, connectionId);
            return { statusCode: 200 };
        } catch (err) {
            // The row expires by TTL, and the next broadcast deletes it on GoneException.
            console.error(JSON.stringify({ msg: "disconnect: could not delete the connection", connectionId, error: String(err) }));
            return { statusCode: 500 };
        }
    };
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
