import { deleteConnectionRow, type ConnectionStore } from "./connections";
import { channelsOf, deleteSubscriptions, subscriptionStoreOf } from "./subscriptions";

/**
 * Forgets a connection: its row, then (with channels) the subscription rows its row listed and those on
 * `alsoOn`, in one set of batches. Deleting what is not there succeeds: `$disconnect` and a fan-out's cleanup
 * after a 410 may both try.
 */
export async function deleteConnection(store: ConnectionStore, connectionId: string, alsoOn: Iterable<string> = []): Promise<void> {
    const row = await deleteConnectionRow(store, connectionId);
    const subscriptions = subscriptionStoreOf(store);
    if (subscriptions) await deleteSubscriptions(subscriptions, connectionId, [...channelsOf(row), ...alsoOn]);
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
