import { expect } from "chai";
import { startLocalCloud } from "../../local/cloud";
import { RESOURCE_TYPES } from "../../local/graph/resource-types";
import type { RecordedProgram } from "../../local/record/record-program";
import { errorFramePattern, recorded, startTestCloud, TestClient } from "../support/local";
import { ROOT } from "../support/record";

/** The recording without the resources `drop` picks: what `pulumi up` would have without them. */
function without(program: RecordedProgram, drop: (r: RecordedProgram["resources"][number]) => boolean): RecordedProgram {
    return { ...program, resources: program.resources.filter((r) => !drop(r)) };
}

describe("local cloud: wiring only what the graph wires", () => {
    it("answers Internal server error when API Gateway may not invoke the route's function (B6)", async () => {
        const program = await recorded(ROOT);
        const echoTest = program.resources.find((r) => r.type === RESOURCE_TYPES.function && r.name === "echo-test")!;
        const t = await startTestCloud(
            without(program, (r) => r.type === RESOURCE_TYPES.permission && r.inputs.function === echoTest.state.name),
        );
        try {
            const client = await TestClient.open(t.url("echoUrl"));
            expect(await client.ask('{"action":"test","echo":"hi"}')).to.match(errorFramePattern("Internal server error"));
            expect(t.logs.join("\n")).to.include(`API Gateway may not invoke ${String(echoTest.state.name)}`);
            await client.close();
        } finally {
            await t.cloud.stop();
        }
    });

    it("refuses to start a bucket notification whose function S3 may not invoke, with S3's message (B26)", async () => {
        const program = await recorded(ROOT);
        const error = await startLocalCloud(
            without(program, (r) => r.type === RESOURCE_TYPES.permission && r.inputs.principal === "s3.amazonaws.com"),
            { port: 0 },
        ).then(
            () => undefined,
            (err: unknown) => err as Error,
        );
        expect(error?.message).to.match(
            /^s3\.BucketNotification broadcast: InvalidArgument: Unable to validate the following destination configurations/,
        );
    });
});
