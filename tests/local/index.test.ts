import { expect } from "chai";
import * as path from "node:path";
import { ProgramError, startLocalCloud } from "../../local";
import { BEHAVIOUR, eventually, TestClient } from "../support/local";
import { ROOT } from "../support/record";

describe("the local cloud's test API (startLocalCloud)", () => {
    it("rejects a program with type errors with the compiler's diagnostics, as `pulumi up` would", async function () {
        this.timeout(120_000);
        const error = await startLocalCloud({ program: path.join(ROOT, "tests", "fixtures", "type-error") }).then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(error).to.be.instanceOf(ProgramError);
        expect((error as Error).message).to.match(/^index\.ts\(6,14\): error TS2322: Type 'string' is not assignable to type 'number'\./);
    });

    it("rejects a folder that is not a Pulumi program, naming the fix", async () => {
        const error = await startLocalCloud({ program: path.join(ROOT, "docs") }).then(
            () => undefined,
            (err: unknown) => err as Error,
        );
        expect(error).to.be.instanceOf(ProgramError);
        expect(error?.message).to.match(/docs is not a Pulumi program: it has no Pulumi\.yaml\.\nRun from the program's folder/);
    });

    it("records and serves a program on free ports, with its outputs, credentials and each function's own log lines", async function () {
        this.timeout(120_000);
        const cloud = await startLocalCloud({ program: BEHAVIOUR, typeCheck: false });
        try {
            expect(String(cloud.outputs.edgeUrl)).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/test$/);
            expect(cloud.credentials).to.deep.equal({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
            const client = await TestClient.open(String(cloud.outputs.edgeUrl));
            await client.close();
            await eventually(() => cloud.logsOf("edge-disconnect").length > 0, 5_000, "the $disconnect function's log");
            const probes = (name: string) => cloud.logsOf(name).map((line) => (JSON.parse(line) as { probe: string }).probe);
            expect(probes("edge-connect")).to.deep.equal(["connect"]);
            expect(probes("edge-disconnect")).to.deep.equal(["disconnect"]);
        } finally {
            await cloud.stop();
        }
    });
});
