import { LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { createPublisher } from "../../handlers/publish";
import { subscribe, type SubscriptionStore } from "../../handlers/subscriptions";
import { s3FanoutHandler } from "../../handlers/s3-fanout";
import {
    createSegmentDispatcher,
    fanoutSegmentHandler,
    parseFanoutSegmentEvent,
    type FanoutSegmentEvent,
} from "../../handlers/segmented-fanout";
import { InvokeApi } from "../../local/services/lambda/invoke-api";
import { FakeConnectionsEndpoint } from "../support/connections-endpoint";
import { connectionIds, createConnectionsTable, startDynamo, storeConnections, storedIds, TEST_CREDENTIALS } from "../support/dynamo";
import { s3Record } from "../support/events";
import { RecordingInvoker } from "../support/recording-invoker";

describe("Segmented fan-out handlers", () => {
    let dynamo: Awaited<ReturnType<typeof startDynamo>>;
    let table: SubscriptionStore;
    let api: InvokeApi;
    const invoker = new RecordingInvoker();
    let lambda: LambdaClient;
    before(async () => {
        dynamo = await startDynamo();
        api = await InvokeApi.start(invoker, { port: 0, region: "us-east-1", accountId: "000000000000" });
        lambda = new LambdaClient({ endpoint: api.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });
    after(async () => {
        lambda.destroy();
        await api.stop();
        await dynamo.stop();
    });
    beforeEach(async () => {
        table = await createConnectionsTable(dynamo.client);
        invoker.reset();
    });

    describe("the dispatcher", () => {
        const dispatcher = (segments: number, segmentAbove = 0) =>
            createSegmentDispatcher({ store: table, lambda, workerFunction: "worker", segments, segmentAbove });

        it("invokes the worker once per segment, asynchronously, with the message and its segment", async () => {
            expect(await dispatcher(4).dispatch("a.txt", '{"hello":1}')).to.equal(4);
            expect(invoker.asyncEvents.map((e) => e.name)).to.deep.equal(["worker", "worker", "worker", "worker"]);
            const segments = invoker.asyncEvents
                .map((e) => e.event as FanoutSegmentEvent)
                .sort((a, b) => a.segment.index - b.segment.index);
            expect(segments).to.deep.equal(
                [0, 1, 2, 3].map((index) => ({ message: '{"hello":1}', name: "a.txt", segment: { index, total: 4 } })),
            );
        });

        it("invokes one worker for all subscribers at or below segmentAbove, and splits above it", async () => {
            await storeConnections(table, connectionIds(3, "seg"));
            expect(await dispatcher(2, 3).dispatch("k", "m")).to.equal(1);
            expect(invoker.asyncEvents.map((e) => e.event)).to.deep.equal([{ message: "m", name: "k", segment: { index: 0, total: 1 } }]);
            expect(await dispatcher(2, 2).dispatch("k", "m")).to.equal(2);
            expect(invoker.asyncEvents.slice(1).map((e) => (e.event as FanoutSegmentEvent).segment.total)).to.deep.equal([2, 2]);
        });

        it("fails, naming how many segments, when the worker cannot be invoked", async () => {
            invoker.functions.clear();
            const error = await dispatcher(3)
                .dispatch("k", "m")
                .then(
                    () => undefined,
                    (err: unknown) => err as Error,
                );
            expect(error?.message).to.match(
                /^fanout: could not invoke 3 of 3 segments \(0, 1, 2\); first: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:000000000000:function:worker/,
            );
        });

        it("refuses impossible segment counts", () => {
            for (const [segments, segmentAbove] of [
                [0, 0],
                [1.5, 0],
                [1001, 0],
                [2, -1],
                [2, 0.5],
            ]) {
                expect(() => dispatcher(segments, segmentAbove), `${segments}/${segmentAbove}`).to.throw(/must be a whole number/);
            }
        });

        it("lets the S3 fan-out hand each record to the workers instead of posting itself", async () => {
            await storeConnections(table, connectionIds(2, "seg"));
            const event = {
                Records: [s3Record("ObjectCreated:Put", "a.txt"), s3Record("ObjectRemoved:Delete", "b.txt")],
            } as unknown as S3Event;
            const result = await s3FanoutHandler(dispatcher(8))(event);
            expect(result).to.deep.equal({ records: 2, delivered: 0, gone: 0, failed: 0, segmentsInvoked: 16 });
            const keys = invoker.asyncEvents.map((e) => (JSON.parse((e.event as FanoutSegmentEvent).message) as { key: string }).key);
            expect(keys.filter((k) => k === "a.txt")).to.have.length(8);
            expect(keys.filter((k) => k === "b.txt")).to.have.length(8);
        });
    });

    describe("the worker", () => {
        it("posts each subscriber exactly once across K segments, however many of its channels match, and deletes gone ones", async () => {
            const endpoint = new FakeConnectionsEndpoint();
            const endpointUrl = await endpoint.start();
            try {
                const all = connectionIds(60, "seg");
                const gone = all.filter((_, i) => i % 7 === 0);
                await storeConnections(table, all);
                // A third also hold two channels the key matches: still one message each.
                for (const id of all.filter((_, i) => i % 3 === 0)) {
                    await subscribe(table, id, "jobs/", { maxChannels: 5 });
                    await subscribe(table, id, "", { maxChannels: 5 });
                }
                for (const id of gone) endpoint.behaviour.set(id, { kind: "gone" });
                const worker = fanoutSegmentHandler(createPublisher({ store: table, endpoint: endpointUrl, pageSize: 5 }));
                const results = await Promise.all(
                    [0, 1, 2, 3].map((index) => worker({ message: "hi", name: "jobs/1.txt", segment: { index, total: 4 } })),
                );
                expect(results.reduce((sum, r) => sum + r.delivered, 0)).to.equal(all.length - gone.length);
                expect(results.reduce((sum, r) => sum + r.gone, 0)).to.equal(gone.length);
                expect(results.filter((r) => r.delivered > 0)).to.have.length.greaterThan(1, "the segments should share the work");
                for (const id of all) expect(endpoint.attempts.get(id), id).to.equal(1);
                expect(await storedIds(table)).to.deep.equal(all.filter((id) => !gone.includes(id)));
            } finally {
                await endpoint.stop();
            }
        });

        it("rejects malformed events with a clear error, before any post", () => {
            const cases: [unknown, RegExp][] = [
                [null, /expected \{message, name, segment: \{index, total\}\}, got null/],
                [[], /got an array/],
                ["hi", /got string/],
                [{ name: "k", segment: { index: 0, total: 1 } }, /message must be a string, got undefined/],
                [{ message: 5, name: "k", segment: { index: 0, total: 1 } }, /message must be a string, got number/],
                [{ message: "m", segment: { index: 0, total: 1 } }, /name must be a string .*got undefined/],
                [{ message: "m", name: 7, segment: { index: 0, total: 1 } }, /name must be a string .*got number/],
                [{ message: "m", name: "k" }, /segment must be \{index, total\}.*got undefined/],
                [{ message: "m", name: "k", segment: { index: 4, total: 4 } }, /0 ≤ index < total/],
                [{ message: "m", name: "k", segment: { index: -1, total: 4 } }, /0 ≤ index < total/],
                [{ message: "m", name: "k", segment: { index: 0, total: 0 } }, /0 ≤ index < total/],
                [{ message: "m", name: "k", segment: { index: "0", total: 2 } }, /0 ≤ index < total/],
                [{ message: "m", name: "k", segment: { index: 0, total: 2000 } }, /total ≤ 1000/],
            ];
            for (const [event, pattern] of cases) {
                expect(() => parseFanoutSegmentEvent(event), JSON.stringify(event)).to.throw(pattern);
            }
            expect(parseFanoutSegmentEvent({ message: "m", name: "k", segment: { index: 1, total: 2 }, extra: true })).to.deep.equal({
                message: "m",
                name: "k",
                segment: { index: 1, total: 2 },
            });
        });
    });
});
