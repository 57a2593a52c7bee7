import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { createBroadcaster, type Broadcaster } from "../../handlers/broadcast";
import type { SubscriptionStore } from "../../handlers/subscriptions";
import { MAX_MESSAGE_BYTES } from "../../handlers/message";
import { FakeConnectionsEndpoint } from "../support/connections-endpoint";
import { connectionIds, countingCommands, storeConnections, storedIds, storedSubscriptions, TEST_CREDENTIALS } from "../support/dynamo";
import { useHandlerFixture, type HandlerFixture } from "../support/handler-fixture";

const NOW = Date.now();

describe("broadcast helper against dynalite and a loopback @connections endpoint", () => {
    const fixture = useHandlerFixture();
    let dynamo: HandlerFixture["dynamo"];
    let endpoint: FakeConnectionsEndpoint;
    let endpointUrl: string;
    let store: SubscriptionStore;
    beforeEach(() => ({ dynamo, endpoint, endpointUrl, store } = fixture()));
    const broadcaster = (options: Partial<Parameters<typeof createBroadcaster>[0]> = {}): Broadcaster =>
        createBroadcaster({ store, endpoint: endpointUrl, baseDelayMs: 1, ...options });

    it("delivers one message to each of 150 connections, as the exact string sent", async () => {
        const all = connectionIds(150);
        await storeConnections(store, all);
        const message = JSON.stringify({ hello: "wörld ✓" });
        const result = await broadcaster().broadcast(message);
        expect(result).to.deep.equal({ delivered: 150, gone: 0, failed: 0, failures: [] });
        expect([...endpoint.received.keys()].sort()).to.deep.equal(all);
        for (const bodies of endpoint.received.values()) {
            expect(bodies).to.deep.equal([message]);
        }
    });

    it("reads every Scan page when the table spans many pages", async () => {
        const all = connectionIds(53);
        await storeConnections(store, all);
        const { result, calls } = await countingCommands(dynamo.client, "ScanCommand", () =>
            broadcaster({ scan: { pageSize: 5 } }).broadcast("paged"),
        );
        expect(result.delivered).to.equal(53);
        expect(calls).to.be.at.least(11);
    });

    it("deletes the rows of gone connections, and only those", async () => {
        const all = connectionIds(30);
        await storeConnections(store, all);
        const gone = [all[0], all[7], all[29]];
        for (const id of gone) endpoint.behaviour.set(id, { kind: "gone" });
        const result = await broadcaster().broadcast("x");
        expect(result).to.deep.include({ delivered: 27, gone: 3, failed: 0 });
        expect(await storedIds(store)).to.deep.equal(all.filter((id) => !gone.includes(id)));
        // Their implicit subscriptions go with them: no fan-out reads a gone connection again.
        expect((await storedSubscriptions(store)).map((row) => row.trim())).to.deep.equal(all.filter((id) => !gone.includes(id)));
    });

    it("retries throttling (429) with backoff and delivers", async () => {
        await storeConnections(store, ["slow="]);
        endpoint.behaviour.set("slow=", { kind: "throttle", times: 3 });
        const result = await broadcaster().broadcast("x");
        expect(result.delivered).to.equal(1);
        expect(endpoint.attempts.get("slow=")).to.equal(4);
    });

    it("retries 5xx, then reports the failure without deleting the row", async () => {
        await storeConnections(store, ["broken=", "fine="]);
        endpoint.behaviour.set("broken=", { kind: "fail", status: 500, errorType: "InternalServerErrorException" });
        const result = await broadcaster({ maxAttempts: 3 }).broadcast("x");
        expect(result).to.deep.include({ delivered: 1, gone: 0, failed: 1 });
        expect(result.failures[0].connectionId).to.equal("broken=");
        expect(result.failures[0].error).to.match(/500/);
        expect(endpoint.attempts.get("broken=")).to.equal(3);
        expect(await storedIds(store)).to.deep.equal(["broken=", "fine="]);
    });

    it("does not retry a 403 (a missing grant will not fix itself)", async () => {
        await storeConnections(store, ["denied="]);
        endpoint.behaviour.set("denied=", { kind: "fail", status: 403, errorType: "ForbiddenException" });
        const result = await broadcaster().broadcast("x");
        expect(result.failed).to.equal(1);
        expect(endpoint.attempts.get("denied=")).to.equal(1);
    });

    it("keeps at most `concurrency` posts in flight", async () => {
        await storeConnections(store, connectionIds(40));
        endpoint.delayMs = 20;
        await broadcaster({ concurrency: 4 }).broadcast("x");
        expect(endpoint.maxInFlight).to.be.at.most(4).and.at.least(2);
    });

    it("keeps `concurrency` posts in flight across page boundaries, each connection posted once", async () => {
        const all = connectionIds(40);
        await storeConnections(store, all);
        endpoint.delayMs = 20;
        const result = await broadcaster({ concurrency: 8, scan: { pageSize: 3 } }).broadcast("x");
        expect(endpoint.maxInFlight, "more in flight than one page holds").to.equal(8);
        expect(result.delivered).to.equal(40);
        for (const id of all) expect(endpoint.attempts.get(id), id).to.equal(1);
    });

    it("skips rows whose connection has outlived API Gateway's 2 h limit", async () => {
        await storeConnections(store, ["old="], NOW - 3 * 60 * 60 * 1000);
        await storeConnections(store, ["new="]);
        const result = await broadcaster().broadcast("x");
        expect(result.delivered).to.equal(1);
        expect([...endpoint.received.keys()]).to.deep.equal(["new="]);
    });

    it("fails with the Scan's error when a later page cannot be read, never as an unhandled rejection", async () => {
        await storeConnections(store, connectionIds(12));
        let scans = 0;
        dynamo.client.middlewareStack.add(
            (next, context) => async (args) => {
                if (context.commandName === "ScanCommand" && ++scans === 2) throw new Error("scan page 2 failed");
                return next(args);
            },
            { step: "initialize", name: "failSecondScan" },
        );
        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown) => unhandled.push(reason);
        process.on("unhandledRejection", onUnhandled);
        try {
            endpoint.delayMs = 20;
            const error = await broadcaster({ scan: { pageSize: 5 } })
                .broadcast("x")
                .catch((e: unknown) => e);
            expect((error as Error).message).to.equal("scan page 2 failed");
            await new Promise((resolve) => setTimeout(resolve, 50));
            expect(unhandled).to.deep.equal([]);
        } finally {
            process.off("unhandledRejection", onUnhandled);
            dynamo.client.middlewareStack.remove("failSecondScan");
        }
    });

    it("sends bytes as given", async () => {
        await storeConnections(store, ["bin="]);
        await broadcaster().broadcast(new Uint8Array([104, 105]));
        expect(endpoint.received.get("bin=")).to.deep.equal(["hi"]);
    });

    it("refuses objects and oversized messages before posting anything", async () => {
        await storeConnections(store, ["a="]);
        const send = broadcaster();
        let error: unknown;
        await send.broadcast({ not: "a string" } as unknown as string).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/serialise objects with JSON.stringify/);
        await send.broadcast("x".repeat(MAX_MESSAGE_BYTES + 1)).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(RangeError);
        expect(endpoint.attempts.size).to.equal(0);
    });

    it("reads the table in pages of 1,000 ids by default, so posting starts before a large table is read", async () => {
        const limits: (number | undefined)[] = [];
        const counting = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS });
        counting.middlewareStack.add((next) => async (args) => {
            limits.push((args.input as { Limit?: number }).Limit);
            return next(args);
        });
        try {
            await storeConnections(store, ["a="]);
            await createBroadcaster({ store: { ...store, dynamodb: counting }, endpoint: endpointUrl }).broadcast("x");
            await createBroadcaster({
                store: { ...store, dynamodb: counting },
                endpoint: endpointUrl,
                scan: { pageSize: 7 },
            }).broadcast("x");
            expect(limits).to.deep.equal([1000, 7]);
        } finally {
            counting.destroy();
        }
    });

    it("delivers to nobody, successfully, when nobody is connected", async () => {
        expect(await broadcaster().broadcast("x")).to.deep.equal({ delivered: 0, gone: 0, failed: 0, failures: [] });
    });
});
