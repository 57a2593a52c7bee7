import { expect } from "chai";
import { ENCODED_KEYS } from "../../../support/s3-keys";
import { ResourceGraph } from "../../../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../../../local/record/resource-types";
import type { NotificationSpec, NotificationTarget } from "../../../../local/graph/specs";
import type { Json, RecordedResource } from "../../../../local/record/record-program";
import {
    formUrlEncode,
    notificationDispatcher,
    notificationRecord,
    targetMatches,
    validateNotifications,
    type AsyncInvoker,
} from "../../../../local/services/s3/notifications";
import type { ObjectEvent } from "../../../../local/services/s3/s3-service";

const ACCOUNT = "123456789012";
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

const created: ObjectEvent = {
    eventName: "ObjectCreated:Put",
    bucket: "uploads-1a2b",
    key: "red flower.jpg",
    size: 2048,
    eTag: "d41d8cd98f00b204e9800998ecf8427e",
    sequencer: "0123456789abcdef01",
    sourceIp: "127.0.0.1",
    time: "2024-05-01T12:00:00.000Z",
};
const removed: ObjectEvent = {
    eventName: "ObjectRemoved:Delete",
    bucket: "uploads-1a2b",
    key: "red flower.jpg",
    sequencer: "1f",
    sourceIp: "10.0.0.7",
    time: "2024-05-01T12:05:00.000Z",
};

describe("S3 notifications", () => {
    describe("form-URL-encoding of keys (B25)", () => {
        it("turns spaces into +, encodes + and other reserved characters and UTF-8 bytes, and leaves letters, digits and -_. as they are", () => {
            for (const [stored, encoded] of ENCODED_KEYS) expect(formUrlEncode(stored), stored).to.equal(encoded);
        });
    });

    describe("notification records (B25)", () => {
        it("carries every field of S3's record for ObjectCreated", () => {
            expect(notificationRecord(created, "eu-west-1", "on-upload")).to.deep.equal({
                eventVersion: "2.1",
                eventSource: "aws:s3",
                awsRegion: "eu-west-1",
                eventTime: "2024-05-01T12:00:00.000Z",
                eventName: "ObjectCreated:Put",
                userIdentity: { principalId: "AWS:AIDALOCALUSER" },
                requestParameters: { sourceIPAddress: "127.0.0.1" },
                responseElements: { "x-amz-request-id": "23456789abcdef01", "x-amz-id-2": "local" },
                s3: {
                    s3SchemaVersion: "1.0",
                    configurationId: "on-upload",
                    bucket: { name: "uploads-1a2b", ownerIdentity: { principalId: "A000000000000" }, arn: "arn:aws:s3:::uploads-1a2b" },
                    object: {
                        key: "red+flower.jpg",
                        size: 2048,
                        eTag: "d41d8cd98f00b204e9800998ecf8427e",
                        sequencer: "0123456789abcdef01",
                    },
                },
            });
        });

        it("gives an ObjectCreated record without size or eTag size 0 and an empty eTag", () => {
            const { size: _size, eTag: _eTag, ...bare } = created;
            expect(notificationRecord(bare, "us-east-1", "c").s3.object).to.deep.equal({
                key: "red+flower.jpg",
                size: 0,
                eTag: "",
                sequencer: "0123456789abcdef01",
            });
        });

        it("carries only key and sequencer in the object of an ObjectRemoved record", () => {
            const record = notificationRecord({ ...removed, size: 10, eTag: "abc" }, "us-east-1", "on-delete");
            expect(record.s3.object).to.deep.equal({ key: "red+flower.jpg", sequencer: "1f" });
            expect(record.eventName).to.equal("ObjectRemoved:Delete");
            expect(record.requestParameters).to.deep.equal({ sourceIPAddress: "10.0.0.7" });
            expect(record.responseElements["x-amz-request-id"], "the sequencer, zero-padded to 16").to.equal("000000000000001f");
        });

        it("names the event without the s3: prefix, the bucket by ARN, and the configuration by the notification's name", () => {
            const record = notificationRecord(
                { ...created, bucket: "other.bucket", eventName: "ObjectCreated:Copy" },
                "us-east-1",
                "my-config",
            );
            expect(record.eventName).to.equal("ObjectCreated:Copy");
            expect(record.s3.bucket.arn).to.equal("arn:aws:s3:::other.bucket");
            expect(record.s3.bucket.name).to.equal("other.bucket");
            expect(record.s3.configurationId).to.equal("my-config");
        });
    });

    describe("target matching", () => {
        const target = (events: string[], filterPrefix?: string, filterSuffix?: string): NotificationTarget => ({
            functionArn: fnArn("worker"),
            events,
            filterPrefix,
            filterSuffix,
        });
        const photo = { ...created, key: "photos/cat.jpg" };

        it("matches event patterns with the s3: prefix, exactly or with *", () => {
            expect(targetMatches(target(["s3:ObjectCreated:Put"]), photo)).to.be.true;
            expect(targetMatches(target(["s3:ObjectCreated:*"]), photo)).to.be.true;
            expect(targetMatches(target(["s3:ObjectCreated:*"]), { ...photo, eventName: "ObjectCreated:CompleteMultipartUpload" })).to.be
                .true;
            expect(targetMatches(target(["s3:ObjectRemoved:*"]), photo)).to.be.false;
            expect(targetMatches(target(["s3:ObjectCreated:Copy"]), photo)).to.be.false;
            expect(targetMatches(target(["ObjectCreated:Put"]), photo), "a pattern without s3:").to.be.false;
            expect(targetMatches(target(["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"]), photo), "any of several").to.be.true;
            expect(targetMatches(target([]), photo), "no events").to.be.false;
        });

        it("filters on the key's prefix and suffix, both when both are set", () => {
            const events = ["s3:ObjectCreated:*"];
            expect(targetMatches(target(events, "photos/"), photo)).to.be.true;
            expect(targetMatches(target(events, "videos/"), photo)).to.be.false;
            expect(targetMatches(target(events, undefined, ".jpg"), photo)).to.be.true;
            expect(targetMatches(target(events, undefined, ".png"), photo)).to.be.false;
            expect(targetMatches(target(events, "photos/", ".jpg"), photo)).to.be.true;
            expect(targetMatches(target(events, "photos/", ".png"), photo)).to.be.false;
            expect(targetMatches(target(events, "videos/", ".jpg"), photo)).to.be.false;
            expect(targetMatches(target(events, "Photos/"), photo), "case-sensitive").to.be.false;
        });

        it("filters on the key as stored, not as encoded", () => {
            expect(targetMatches(target(["s3:ObjectCreated:*"], "red flower"), created)).to.be.true;
            expect(targetMatches(target(["s3:ObjectCreated:*"], "red+flower"), created)).to.be.false;
        });
    });

    describe("validation at start (B26)", () => {
        let n = 0;
        const resource = (type: string, inputs: { [key: string]: Json }, state: { [key: string]: Json } = {}): RecordedResource => {
            const name = `r${++n}`;
            return {
                urn: `urn:pulumi:dev::s3-test::${type}::${name}`,
                type,
                name,
                parent: "urn:pulumi:dev::s3-test::pulumi:pulumi:Stack::s3-test-dev",
                dependencies: [],
                custom: true,
                retainOnDelete: false,
                id: `${name}-id`,
                inputs,
                state,
            };
        };
        const graphOf = (...resources: RecordedResource[]) =>
            new ResourceGraph({
                programDir: "/tmp/s3-test",
                project: "s3-test",
                stack: "dev",
                region: "us-east-1",
                resources,
                outputs: {},
            });
        const fn = (physical: string) => resource(RESOURCE_TYPES.function, {}, { name: physical, arn: fnArn(physical) });
        const notification = (name: string, bucket: string, ...functions: string[]) => ({
            ...resource(RESOURCE_TYPES.notification, {
                bucket,
                lambdaFunctions: functions.map((f) => ({ lambdaFunctionArn: fnArn(f), events: ["s3:ObjectCreated:*"] })),
            }),
            name,
        });
        const permission = (inputs: { [key: string]: Json }) =>
            resource(RESOURCE_TYPES.permission, { principal: "s3.amazonaws.com", action: "lambda:InvokeFunction", ...inputs });
        const refusal = (name: string, functionName: string, bucket: string) =>
            `s3.BucketNotification ${name}: InvalidArgument: Unable to validate the following destination configurations ` +
            `(${fnArn(functionName)}: no lambda.Permission lets s3.amazonaws.com invoke it for bucket ${bucket}; ` +
            "create one and make the notification dependsOn it)";

        it("refuses a notification whose function has no permission for s3.amazonaws.com, naming both", () => {
            const graph = graphOf(fn("thumbs"), notification("on-upload", "uploads-1a2b", "thumbs"));
            expect(() => validateNotifications(graph, ACCOUNT)).to.throw(refusal("on-upload", "thumbs", "uploads-1a2b"));
        });

        it("refuses a permission for another bucket, principal, account or function", () => {
            const cases: Record<string, { [key: string]: Json }> = {
                "another bucket": { function: "thumbs", sourceArn: "arn:aws:s3:::elsewhere" },
                "another principal": { function: "thumbs", principal: "sns.amazonaws.com", sourceArn: "arn:aws:s3:::uploads-1a2b" },
                "another account": { function: "thumbs", sourceArn: "arn:aws:s3:::uploads-1a2b", sourceAccount: "999999999999" },
                "another function": { function: "other", sourceArn: "arn:aws:s3:::uploads-1a2b" },
            };
            for (const [what, inputs] of Object.entries(cases)) {
                const graph = graphOf(fn("thumbs"), fn("other"), permission(inputs), notification("on-upload", "uploads-1a2b", "thumbs"));
                expect(() => validateNotifications(graph, ACCOUNT), what).to.throw(refusal("on-upload", "thumbs", "uploads-1a2b"));
            }
        });

        it("refuses a target function the program does not create", () => {
            const graph = graphOf(
                permission({ function: "ghost", sourceArn: "arn:aws:s3:::uploads-1a2b" }),
                notification("on-upload", "uploads-1a2b", "ghost"),
            );
            expect(() => validateNotifications(graph, ACCOUNT)).to.throw(refusal("on-upload", "ghost", "uploads-1a2b"));
        });

        it("passes when a permission for s3.amazonaws.com on that bucket exists, by function name or ARN", () => {
            const byName = graphOf(
                fn("thumbs"),
                permission({ function: "thumbs", sourceArn: "arn:aws:s3:::uploads-1a2b", sourceAccount: ACCOUNT }),
                notification("on-upload", "uploads-1a2b", "thumbs"),
            );
            expect(() => validateNotifications(byName, ACCOUNT)).not.to.throw();
            const byArnWithWildcard = graphOf(
                fn("thumbs"),
                permission({ function: fnArn("thumbs"), sourceArn: "arn:aws:s3:::uploads-*" }),
                notification("on-upload", "uploads-1a2b", "thumbs"),
            );
            expect(() => validateNotifications(byArnWithWildcard, ACCOUNT)).not.to.throw();
        });

        it("checks every target: the first without a permission is named", () => {
            const graph = graphOf(
                fn("thumbs"),
                fn("audit"),
                permission({ function: "thumbs", sourceArn: "arn:aws:s3:::uploads-1a2b" }),
                notification("on-upload", "uploads-1a2b", "thumbs", "audit"),
            );
            expect(() => validateNotifications(graph, ACCOUNT)).to.throw(refusal("on-upload", "audit", "uploads-1a2b"));
        });

        it("passes a program without notifications", () => {
            expect(() => validateNotifications(graphOf(fn("thumbs")), ACCOUNT)).not.to.throw();
        });
    });

    describe("dispatching object events", () => {
        interface Call {
            reference: string;
            event: unknown;
            source: string;
        }
        const recorder = () => {
            const calls: Call[] = [];
            const lambda: AsyncInvoker = { invokeAsync: (reference, event, source) => calls.push({ reference, event, source }) };
            return { calls, lambda };
        };
        const notifications: NotificationSpec[] = [
            {
                name: "on-upload",
                bucket: "uploads-1a2b",
                targets: [
                    { functionArn: fnArn("thumbs"), events: ["s3:ObjectCreated:*"], filterSuffix: ".jpg" },
                    { functionArn: fnArn("audit"), events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] },
                    { functionArn: fnArn("videos"), events: ["s3:ObjectCreated:*"], filterPrefix: "videos/" },
                ],
            },
            {
                name: "on-upload-too",
                bucket: "uploads-1a2b",
                targets: [{ functionArn: fnArn("mirror"), events: ["s3:ObjectCreated:Put"] }],
            },
            { name: "on-archive", bucket: "archive-3c4d", targets: [{ functionArn: fnArn("archiver"), events: ["s3:ObjectCreated:*"] }] },
        ];

        it("invokes every matching target once, asynchronously, with one record shaped as S3's", () => {
            const { calls, lambda } = recorder();
            notificationDispatcher(notifications, "us-east-1", lambda)(created);
            const source = "S3 ObjectCreated:Put uploads-1a2b/red flower.jpg";
            expect(calls).to.deep.equal([
                { reference: fnArn("thumbs"), event: { Records: [notificationRecord(created, "us-east-1", "on-upload")] }, source },
                { reference: fnArn("audit"), event: { Records: [notificationRecord(created, "us-east-1", "on-upload")] }, source },
                { reference: fnArn("mirror"), event: { Records: [notificationRecord(created, "us-east-1", "on-upload-too")] }, source },
            ]);
        });

        it("sends an ObjectRemoved event only to targets that want it", () => {
            const { calls, lambda } = recorder();
            notificationDispatcher(notifications, "eu-west-1", lambda)(removed);
            expect(calls).to.deep.equal([
                {
                    reference: fnArn("audit"),
                    event: { Records: [notificationRecord(removed, "eu-west-1", "on-upload")] },
                    source: "S3 ObjectRemoved:Delete uploads-1a2b/red flower.jpg",
                },
            ]);
        });

        it("invokes nothing for a bucket without notifications or an event no target wants", () => {
            const { calls, lambda } = recorder();
            const dispatch = notificationDispatcher(notifications, "us-east-1", lambda);
            dispatch({ ...created, bucket: "unwatched" });
            dispatch({ ...created, bucket: "archive-3c4d", eventName: "ObjectRemoved:Delete" });
            expect(calls).to.deep.equal([]);
            dispatch({ ...created, bucket: "archive-3c4d", key: "videos/a.mp4" });
            expect(calls.map((c) => c.reference)).to.deep.equal([fnArn("archiver")]);
        });
    });
});
