import { expect } from "chai";
import { createPublisher, publisherFromEnvironment, type Publisher } from "../../handlers/publish";
import { subscribe, type SubscriptionStore } from "../../handlers/subscriptions";
import { FakeConnectionsEndpoint } from "../support/connections-endpoint";
import { countingCommands, storeConnections, storedIds, storedSubscriptions } from "../support/dynamo";
import { useHandlerFixture } from "../support/handler-fixture";

const LIMITS = { maxChannels: 10 };

describe("publish against dynalite and a loopback @connections endpoint", () => {
    const fixture = useHandlerFixture();
    let endpoint: FakeConnectionsEndpoint;
    let endpointUrl: string;
    let store: SubscriptionStore;
    beforeEach(() => ({ endpoint, endpointUrl, store } = fixture()));
    const publisher = (options: { maxAttempts?: number } = {}): Publisher =>
        createPublisher({ store, endpoint: endpointUrl, baseDelayMs: 1, pageSize: 3, ...options });

    beforeEach(async () => {
        await storeConnections(store, ["all=", "rooms=", "lobby=", "kitchen=", "quiet="]);
        await subscribe(store, "rooms=", "rooms/", LIMITS);
        await subscribe(store, "lobby=", "rooms/lobby/", LIMITS);
        await subscribe(store, "lobby=", "rooms/", LIMITS);
        await subscribe(store, "kitchen=", "rooms/kitchen/", LIMITS);
        await subscribe(store, "quiet=", "other/", LIMITS);
    });

    it("sends {type: message, channel, data} to the subscribers of every prefix, once each", async () => {
        const result = await publisher().publish("rooms/lobby/", { text: "hi", n: 1 });
        expect(result).to.deep.equal({ delivered: 3, gone: 0, failed: 0, failures: [] });
        expect([...endpoint.received.keys()].sort()).to.deep.equal(["all=", "lobby=", "rooms="]);
        for (const bodies of endpoint.received.values()) {
            expect(bodies.map((b) => JSON.parse(b) as unknown)).to.deep.equal([
                { type: "message", channel: "rooms/lobby/", data: { text: "hi", n: 1 } },
            ]);
        }
    });

    it("reaches no one when no channel matches and nobody listens to everything", async () => {
        await subscribe(store, "all=", "elsewhere/", LIMITS);
        expect((await publisher().publish("nobody/here/", 1)).delivered).to.equal(0);
        expect(endpoint.attempts.size).to.equal(0);
    });

    it("forgets a subscriber that is gone: its connection row and every subscription row", async () => {
        endpoint.behaviour.set("lobby=", { kind: "gone" });
        const result = await publisher().publish("rooms/lobby/x", "m");
        expect(result).to.include({ delivered: 2, gone: 1 });
        expect(await storedIds(store)).to.not.include("lobby=");
        expect((await storedSubscriptions(store)).filter((row) => row.endsWith(" lobby="))).to.deep.equal([]);
    });

    it("retries throttling, then reports what still failed", async () => {
        endpoint.behaviour.set("rooms=", { kind: "throttle", times: 2 });
        endpoint.behaviour.set("all=", { kind: "fail", status: 500, errorType: "InternalServerError" });
        const result = await publisher({ maxAttempts: 3 }).publish("rooms/", "m");
        expect(result).to.include({ delivered: 2, failed: 1 }); // rooms= after its retries, and lobby=
        expect(endpoint.attempts.get("rooms=")).to.equal(3);
        expect(result.failures[0]).to.include({ connectionId: "all=" });
    });

    it("refuses a message over API Gateway's 128 KB, and a channel that is not a string, before any post", async () => {
        const error = await publisher()
            .publish("rooms/", "x".repeat(128 * 1024))
            .catch((e: unknown) => e as Error);
        expect(String(error)).to.match(/128|131072/);
        expect(() => publisher().publish(5 as unknown as string, "m")).to.throw(/needs a channel name/);
        expect(endpoint.attempts.size).to.equal(0);
    });

    it("reads only the prefixes a channel could be, however many slashes a hostile name has", async () => {
        const { result, calls } = await countingCommands(store.dynamodb, "QueryCommand", () =>
            createPublisher({ store, endpoint: endpointUrl, maxChannelBytes: 16 }).publish("a/".repeat(500), "m"),
        );
        expect(result.delivered).to.equal(1); // all=, on ""
        expect(calls).to.equal(9); // "", and "a/" … "a/a/a/a/a/a/a/a/" (16 bytes)
    });

    it("from the environment names the missing variable and the fix", () => {
        expect(() => publisherFromEnvironment({ CONNECTIONS_TABLE: "t", CONNECTIONS_ENDPOINT: "http://x" })).to.throw(
            /SUBSCRIPTIONS_TABLE is not set.*grantPublish/,
        );
    });
});
