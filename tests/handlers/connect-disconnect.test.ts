import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { connectHandler } from "../../handlers/connect";
import type { ConnectionStore } from "../../handlers/connections";
import { disconnectHandler } from "../../handlers/disconnect";
import { storeConnections, storedIds } from "../support/dynamo";
import { connectEvent, messageEvent } from "../support/events";
import { useHandlerFixture, type HandlerFixture } from "../support/handler-fixture";

describe("connect and disconnect handlers against dynalite", () => {
    const fixture = useHandlerFixture();
    let dynamo: HandlerFixture["dynamo"];
    let store: ConnectionStore;
    beforeEach(() => ({ dynamo, store } = fixture()));

    it("stores { connectionId, connectedAt, expiresAt 2 h later, sourceIp } and accepts the connection", async () => {
        expect(await connectHandler(store)(connectEvent("abc="))).to.deep.equal({ statusCode: 200 });
        const { Items } = await dynamo.client.send(new ScanCommand({ TableName: store.tableName }));
        const connectedAt = Date.UTC(2026, 10, 21, 12, 0, 0);
        expect(Items).to.deep.equal([
            {
                connectionId: { S: "abc=" },
                connectedAt: { N: String(connectedAt) },
                expiresAt: { N: String(connectedAt / 1000 + 7200) },
                sourceIp: { S: "203.0.113.7" },
            },
        ]);
    });

    it("stores the authorizer's principal when there is one", async () => {
        await connectHandler(store)(connectEvent("auth=", "user-42"));
        const { Items } = await dynamo.client.send(new ScanCommand({ TableName: store.tableName }));
        expect(Items![0].principalId).to.deep.equal({ S: "user-42" });
    });

    it("answers 500, rejecting the handshake, when the row cannot be written", async () => {
        const missing: ConnectionStore = { tableName: "no-such-table", dynamodb: dynamo.client };
        expect(await connectHandler(missing)(connectEvent("lost="))).to.deep.equal({ statusCode: 500 });
    });

    it("deletes its row again when the implicit subscription cannot be written, so a refused connection leaves none", async () => {
        const noSubscriptions: ConnectionStore = { ...store, subscriptionsTable: "no-such-table" };
        const connect = connectHandler(noSubscriptions, { subscribeToEverything: true });
        expect(await connect(connectEvent("half="))).to.deep.equal({ statusCode: 500 });
        expect(await storedIds(store)).to.deep.equal([]);
    });

    it("deletes the row on disconnect, and a second disconnect is harmless", async () => {
        await storeConnections(store, ["a=", "b="]);
        const disconnect = disconnectHandler(store);
        const event = {
            ...messageEvent(undefined),
            requestContext: { ...messageEvent(undefined).requestContext, eventType: "DISCONNECT" as const, connectionId: "a=" },
        };
        expect(await disconnect(event)).to.deep.equal({ statusCode: 200 });
        expect(await disconnect(event)).to.deep.equal({ statusCode: 200 });
        expect(await storedIds(store)).to.deep.equal(["b="]);
    });
});
