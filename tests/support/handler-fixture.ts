import type { SubscriptionStore } from "../../handlers/subscriptions";
import { FakeConnectionsEndpoint } from "./connections-endpoint";
import { createConnectionsTable, startDynamo } from "./dynamo";

export interface HandlerFixture {
    dynamo: Awaited<ReturnType<typeof startDynamo>>;
    /** Fresh connections and subscriptions tables for each test. */
    store: SubscriptionStore;
    /** A loopback `@connections` endpoint for each test. */
    endpoint: FakeConnectionsEndpoint;
    endpointUrl: string;
}

/** Registers hooks for handler tests: dynalite for the describe, a fresh table and `@connections` endpoint per test. */
export function useHandlerFixture(): () => HandlerFixture {
    let dynamo: HandlerFixture["dynamo"] | undefined;
    let current: HandlerFixture | undefined;
    before(async () => {
        dynamo = await startDynamo();
    });
    after(async () => dynamo?.stop());
    beforeEach(async () => {
        const endpoint = new FakeConnectionsEndpoint();
        current = { dynamo: dynamo!, store: await createConnectionsTable(dynamo!.client), endpoint, endpointUrl: await endpoint.start() };
    });
    afterEach(async () => current?.endpoint.stop());
    return () => current!;
}
