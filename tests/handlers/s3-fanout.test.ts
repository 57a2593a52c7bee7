import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { createPublisher, type Publisher } from "../../handlers/publish";
import { decodeS3Key, s3FanoutHandler } from "../../handlers/s3-fanout";
import { subscribe, type SubscriptionStore } from "../../handlers/subscriptions";
import { FakeConnectionsEndpoint } from "../support/connections-endpoint";
import { storeConnections, storedIds } from "../support/dynamo";
import { s3Record } from "../support/events";
import { ENCODED_KEYS } from "../support/s3-keys";
import { useHandlerFixture } from "../support/handler-fixture";

describe("S3 fan-out handler against dynalite and a loopback @connections endpoint", () => {
    const fixture = useHandlerFixture();
    let endpoint: FakeConnectionsEndpoint;
    let endpointUrl: string;
    let store: SubscriptionStore;
    beforeEach(() => ({ endpoint, endpointUrl, store } = fixture()));
    const broadcaster = (options: Partial<Parameters<typeof createPublisher>[0]> = {}): Publisher =>
        createPublisher({ store, endpoint: endpointUrl, baseDelayMs: 1, ...options });

    const s3Event = (...records: ReturnType<typeof s3Record>[]) => ({ Records: records }) as unknown as S3Event;

    it("sends each record to every client as one JSON message with the key decoded", async () => {
        await storeConnections(store, ["a=", "b=", "c="]);
        const result = await s3FanoutHandler(broadcaster())(
            s3Event(
                s3Record("ObjectCreated:Put", "photos/red+flower%C3%A9.jpg", { size: 2048, eTag: "abc" }),
                s3Record("ObjectRemoved:Delete", "old+file.txt"),
            ),
        );
        expect(result).to.deep.equal({ records: 2, delivered: 6, gone: 0, failed: 0, segmentsInvoked: 0 });
        for (const id of ["a=", "b=", "c="]) {
            const messages = endpoint.received.get(id)!.map((body) => JSON.parse(body) as Record<string, unknown>);
            expect(messages).to.deep.equal([
                {
                    type: "s3",
                    event: "ObjectCreated:Put",
                    bucket: "uploads",
                    key: "photos/red floweré.jpg",
                    size: 2048,
                    eTag: "abc",
                    time: "2026-11-21T12:00:00.000Z",
                },
                { type: "s3", event: "ObjectRemoved:Delete", bucket: "uploads", key: "old file.txt", time: "2026-11-21T12:00:00.000Z" },
            ]);
        }
    });

    it("cleans up gone connections and succeeds", async () => {
        await storeConnections(store, ["alive=", "dead="]);
        endpoint.behaviour.set("dead=", { kind: "gone" });
        const result = await s3FanoutHandler(broadcaster())(s3Event(s3Record("ObjectCreated:Put", "a.txt")));
        expect(result).to.deep.equal({ records: 1, delivered: 1, gone: 1, failed: 0, segmentsInvoked: 0 });
        expect(await storedIds(store)).to.deep.equal(["alive="]);
    });

    it("throws when posts fail for another reason, so Lambda retries the event", async () => {
        await storeConnections(store, ["a="]);
        endpoint.behaviour.set("a=", { kind: "fail", status: 503, errorType: "ServiceUnavailable" });
        let error: unknown;
        await s3FanoutHandler(broadcaster({ maxAttempts: 2 }))(s3Event(s3Record("ObjectCreated:Put", "a.txt"))).catch(
            (e: unknown) => (error = e),
        );
        expect((error as Error).message).to.match(/^fanout: 1 of 1 posts failed; first: .*503/);
    });

    it("sends a record only to the subscribers of the channels its key lies under, once each", async () => {
        await storeConnections(store, ["everything=", "job=", "both=", "other="]);
        const limits = { maxChannels: 10 };
        await subscribe(store, "job=", "uploads/job-42/", limits);
        await subscribe(store, "both=", "uploads/", limits);
        await subscribe(store, "both=", "uploads/job-42/", limits);
        await subscribe(store, "other=", "uploads/job-7/", limits);
        const result = await s3FanoutHandler(broadcaster())(s3Event(s3Record("ObjectCreated:Put", "uploads/job-42/out.txt")));
        expect(result).to.include({ records: 1, delivered: 3 });
        expect([...endpoint.received.keys()].sort()).to.deep.equal(["both=", "everything=", "job="]);
        for (const bodies of endpoint.received.values()) expect(bodies).to.have.length(1);
    });

    it("skips records that are not S3 object events", async () => {
        await storeConnections(store, ["a="]);
        const result = await s3FanoutHandler(broadcaster())({ Records: [{ eventName: "s3:TestEvent" }] } as unknown as S3Event);
        expect(result.records).to.equal(0);
        expect(endpoint.attempts.size).to.equal(0);
    });
});

describe("S3 key decoding", () => {
    it("turns + into spaces and %XX into UTF-8: every key the local S3 encodes comes back as stored", () => {
        for (const [stored, encoded] of ENCODED_KEYS) expect(decodeS3Key(encoded), encoded).to.equal(stored);
    });

    it("passes a key that is not valid encoding through unchanged", () => {
        expect(decodeS3Key("broken%E0%A4%A.txt")).to.equal("broken%E0%A4%A.txt");
        expect(decodeS3Key("100%")).to.equal("100%");
    });
});
