import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { archiveSummary } from "../support/archives";
import { recordInChild, type HostedRecording } from "../../local/record/record-in-child";
import { ROOT } from "../support/record";
import { expectArchivesHoldOurCodeOnly, expectSecureStack } from "../support/security";

describe("index.ts loaded as `pulumi up` loads it", () => {
    let hosted: HostedRecording;
    let graph: ResourceGraph;
    before(async () => {
        hosted = await recordInChild(ROOT);
        graph = new ResourceGraph(hosted.program);
    });

    it("compiles with the project's own typescript and ts-node, type-checked (not @pulumi/pulumi's vendored TypeScript 3.8)", () => {
        expect(hosted.loader.typescript.path).to.equal(path.join(ROOT, "node_modules", "typescript", "lib", "typescript.js"));
        expect(hosted.loader.tsNode.path).to.equal(path.join(ROOT, "node_modules", "ts-node", "dist", "index.js"));
        expect(hosted.loader.typescript.version).to.match(/^5\./);
        expect(hosted.loader.typeChecked).to.equal(true);
    });

    it("reads Pulumi.dev.yaml and exports both URLs, in the configured region and stage, and the bucket name", () => {
        const outputs = hosted.program.outputs;
        for (const [output, apiName] of [
            ["echoUrl", "echo"],
            ["broadcastUrl", "broadcast"],
        ]) {
            const api = graph.one(RESOURCE_TYPES.api, apiName);
            expect(outputs[output]).to.equal(`wss://${String(api.id)}.execute-api.us-east-1.amazonaws.com/dev`);
        }
        expect(outputs.bucketName).to.equal(graph.ofType(RESOURCE_TYPES.bucket)[0].state.bucket);
        expect(outputs.broadcastManagementEndpoint).to.match(/^https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/dev$/);
        // Pulumi.dev.yaml sets these; the Pulumi.yaml defaults differ.
        for (const stage of graph.ofType(RESOURCE_TYPES.stage)) {
            expect(stage.inputs.defaultRouteSettings).to.deep.include({ throttlingBurstLimit: 100, throttlingRateLimit: 50 });
        }
        const retentions = graph.ofType(RESOURCE_TYPES.logGroup).map((g) => g.inputs.retentionInDays);
        expect(retentions).to.have.length(graph.ofType(RESOURCE_TYPES.function).length + graph.ofType(RESOURCE_TYPES.stage).length);
        expect(new Set(retentions)).to.deep.equal(new Set([7]));
    });

    it("is secure by the checklist and packs archives under 32 KB", () => {
        expectSecureStack(graph);
        expectArchivesHoldOurCodeOnly(graph);
    });
});

describe("a consumer program with its own package.json", () => {
    const consumerDir = path.join(ROOT, "tests", "fixtures", "consumer");
    let graph: ResourceGraph;
    before(async () => {
        // The fixture lists real packages as dependencies; give it the project's installed copies.
        const link = path.join(consumerDir, "node_modules");
        if (!fs.existsSync(link)) {
            fs.symlinkSync(path.join(ROOT, "node_modules"), link, "dir");
        }
        graph = new ResourceGraph((await recordInChild(consumerDir)).program);
    });

    it("creates two instances with different routes and no colliding names", () => {
        const routeKeys = graph
            .ofType(RESOURCE_TYPES.route)
            .map((r) => `${r.name}:${String(r.inputs.routeKey)}`)
            .sort();
        expect(routeKeys).to.deep.equal([
            "echo-default:$default",
            "echo-test:test",
            "support-default:$default",
            "support-ping:ping",
            "support-time:time",
        ]);
        const urns = graph.resources.map((r) => r.urn);
        expect(new Set(urns).size).to.equal(urns.length);
        const physicalNames = graph.ofType(RESOURCE_TYPES.function).map((f) => f.state.name);
        expect(new Set(physicalNames).size).to.equal(physicalNames.length);
        expect(graph.ofType(RESOURCE_TYPES.api)).to.have.length(2);
    });

    it("sets the region's API Gateway CloudWatch role once for both APIs, and keeps it on destroy", () => {
        const [account, ...others] = graph.ofType(RESOURCE_TYPES.account);
        expect(others, "a second account setting would overwrite the first").to.have.length(0);
        for (const stage of graph.ofType(RESOURCE_TYPES.stage)) {
            expect(
                stage.dependencies.some((d) => d === account.urn || d === account.parent),
                `${stage.name} waits for the role`,
            ).to.equal(true);
        }
        const role = graph.withState(RESOURCE_TYPES.role, "arn", account.inputs.cloudwatchRoleArn);
        const policy = graph.ofType(RESOURCE_TYPES.rolePolicy).find((p) => p.inputs.role === role.state.name)!;
        // Destroying the account setting resets it for the whole region (AWS provider v6): keep it and its role.
        expect([account, role, policy].map((r) => r.retainOnDelete)).to.deep.equal([true, true, true]);
        expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal.Service).to.equal("apigateway.amazonaws.com");
        expect(JSON.parse(String(policy.inputs.policy)).Statement[0].Resource).to.deep.equal([
            "arn:aws:logs:eu-west-1:000000000000:log-group:*",
        ]);
    });

    it("uses the consumer's stack config (region and stage)", () => {
        const urls = Object.values(graph.program.outputs) as string[];
        for (const url of urls) {
            expect(url).to.match(/^wss:\/\/[a-z0-9]{10}\.execute-api\.eu-west-1\.amazonaws\.com\/live$/);
        }
    });

    it("keeps archives to our code even though the consumer's dependencies include heavy packages", () => {
        const control = archiveSummary(graph.one(RESOURCE_TYPES.function, "unbounded-control"));
        expect(control.entries, "CallbackFunction alone packs the consumer's dependencies").to.include("node_modules/typescript");
        expectArchivesHoldOurCodeOnly(
            new ResourceGraph({ ...graph.program, resources: graph.resources.filter((r) => r.name !== "unbounded-control") }),
        );
    });
});
