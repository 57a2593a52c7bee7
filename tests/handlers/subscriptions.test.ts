import { expect } from "chai";
import { deleteConnection } from "../../handlers/connection-cleanup";
import {
    hasMoreSubscriptionsThan,
    shardOf,
    slotOf,
    slotRange,
    subscribe,
    subscriberPages,
    SUBSCRIPTION_SHARDS,
    unsubscribe,
    type SubscriptionStore,
} from "../../handlers/subscriptions";
import { matchingChannels } from "../../protocol/channels";
import { connectionIds, storeConnections, storedIds, storedSubscriptions } from "../support/dynamo";
import { useHandlerFixture } from "../support/handler-fixture";

const LIMITS = { maxChannels: 3 };

async function subscribers(store: SubscriptionStore, channel: string, segment?: { index: number; total: number }): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of subscriberPages(store, channel, { segment, pageSize: 7 })) ids.push(...page);
    return ids.sort();
}

describe("channel names", () => {
    it("match an object key at every / boundary, and everything", () => {
        expect(matchingChannels("uploads/job-42/out.txt")).to.deep.equal(["", "uploads/", "uploads/job-42/"]);
        expect(matchingChannels("uploads/job-42/")).to.deep.equal(["", "uploads/", "uploads/job-42/"]);
        expect(matchingChannels("top.txt")).to.deep.equal([""]);
        expect(matchingChannels("a//b")).to.deep.equal(["", "a/", "a//"]);
    });
});

describe("subscription rows", () => {
    it("spread connection ids over every shard, and the segments' slot ranges partition them", () => {
        const ids = connectionIds(5000, "spread");
        const shards = new Set(ids.map(shardOf));
        expect(shards.size).to.be.greaterThan(990);
        for (const total of [1, 3, 7, 1000]) {
            const ranges = Array.from({ length: total }, (_, index) => slotRange({ index, total }));
            for (const id of ids.slice(0, 500)) {
                const slot = slotOf(id);
                const holders = ranges.filter(({ lo, hi }) => slot >= lo && slot <= hi);
                expect(holders, `${id} in ${total} segments`).to.have.length(1);
            }
        }
        expect(shardOf("x")).to.be.within(0, SUBSCRIPTION_SHARDS - 1);
    });
});

describe("subscriptions against dynalite", () => {
    const fixture = useHandlerFixture();
    let store: SubscriptionStore;
    beforeEach(() => ({ store } = fixture()));

    it("a connection that subscribes leaves the implicit everything, and hears only its channels", async () => {
        await storeConnections(store, ["a=", "b="]);
        expect(await subscribers(store, "")).to.deep.equal(["a=", "b="]);
        expect(await subscribe(store, "a=", "uploads/", LIMITS)).to.equal("subscribed");
        expect(await subscribers(store, "")).to.deep.equal(["b="]);
        expect(await subscribers(store, "uploads/")).to.deep.equal(["a="]);
        // Unsubscribing from everything does not bring the implicit subscription back.
        expect(await unsubscribe(store, "a=", "uploads/")).to.equal("unsubscribed");
        expect(await storedSubscriptions(store)).to.deep.equal([" b="]);
    });

    it("an explicit subscription to everything is kept by later subscribes", async () => {
        await storeConnections(store, ["a="]);
        await subscribe(store, "a=", "", LIMITS);
        await subscribe(store, "a=", "x/", LIMITS);
        expect(await storedSubscriptions(store)).to.deep.equal([" a=", "x/ a="]);
    });

    it("refuses a channel over the per-connection limit, but not one it already holds", async () => {
        await storeConnections(store, ["a="]);
        for (const channel of ["1/", "2/", "3/"]) expect(await subscribe(store, "a=", channel, LIMITS)).to.equal("subscribed");
        expect(await subscribe(store, "a=", "4/", LIMITS)).to.equal("too-many-channels");
        expect(await subscribe(store, "a=", "2/", LIMITS)).to.equal("subscribed");
        await unsubscribe(store, "a=", "1/");
        expect(await subscribe(store, "a=", "4/", LIMITS)).to.equal("subscribed");
    });

    it("refuses to subscribe or unsubscribe a connection that has no row", async () => {
        expect(await subscribe(store, "ghost=", "x/", LIMITS)).to.equal("not-connected");
        expect(await unsubscribe(store, "ghost=", "x/")).to.equal("not-connected");
        expect(await storedSubscriptions(store)).to.deep.equal([]);
    });

    it("unsubscribing from a channel never held succeeds and changes nothing", async () => {
        await storeConnections(store, ["a="]);
        await subscribe(store, "a=", "x/", LIMITS);
        expect(await unsubscribe(store, "a=", "y/")).to.equal("unsubscribed");
        expect(await storedSubscriptions(store)).to.deep.equal(["x/ a="]);
    });

    it("forgetting a connection deletes its row and every subscription row, past one batch", async () => {
        await storeConnections(store, ["a=", "b="]);
        const many = { maxChannels: 40 };
        const channels = Array.from({ length: 30 }, (_, i) => `c${i}/`);
        for (const channel of channels) await subscribe(store, "a=", channel, many);
        await subscribe(store, "b=", "c1/", many);
        await deleteConnection(store, "a=");
        expect(await storedIds(store)).to.deep.equal(["b="]);
        expect(await storedSubscriptions(store)).to.deep.equal(["c1/ b="]);
    });

    it("a segment reads only its shards, and the segments together read every subscriber once", async () => {
        const ids = connectionIds(80, "seg");
        await storeConnections(store, ids);
        const segments = await Promise.all([0, 1, 2, 3, 4].map((index) => subscribers(store, "", { index, total: 5 })));
        expect(segments.flat().sort()).to.deep.equal(ids);
        expect(segments.filter((s) => s.length > 0)).to.have.length.greaterThan(2);
    });

    it("answers whether the channels hold more subscriptions than the count, at the boundary too, reading no more", async () => {
        expect(await hasMoreSubscriptionsThan(store, ["", "a/"], 0)).to.equal(false);
        await storeConnections(store, connectionIds(3, "seg"));
        await storeConnections(store, ["x=", "y="]);
        await subscribe(store, "x=", "a/", LIMITS);
        await subscribe(store, "y=", "a/", LIMITS);
        // Three on "", two on "a/".
        expect(await hasMoreSubscriptionsThan(store, ["", "a/"], 0)).to.equal(true);
        expect(await hasMoreSubscriptionsThan(store, ["", "a/"], 4)).to.equal(true);
        expect(await hasMoreSubscriptionsThan(store, ["", "a/"], 5)).to.equal(false);
        expect(await hasMoreSubscriptionsThan(store, ["a/"], 2)).to.equal(false);
        expect(await hasMoreSubscriptionsThan(store, ["b/"], 0)).to.equal(false);
    });

    it("skips rows whose connection has expired", async () => {
        await storeConnections(store, ["old="], Date.now() - 3 * 60 * 60 * 1000);
        await storeConnections(store, ["new="]);
        expect(await subscribers(store, "")).to.deep.equal(["new="]);
    });
});
