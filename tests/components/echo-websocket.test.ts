import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { EchoWebSocket, WebSocketApi } from "../../components";
import { echoHandler } from "../../handlers/echo";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { archiveSummary } from "../support/archives";
import { expectRejected, recordInProcess, TEST_CONFIG } from "../support/record";
import { expectArchivesHoldOurCodeOnly, expectSecureStack } from "../support/security";

describe("EchoWebSocket under mocks", () => {
    let graph: ResourceGraph;
    let echo: EchoWebSocket;
    before(async () => {
        graph = await recordInProcess(() => {
            echo = new EchoWebSocket("echo");
            // Control: CallbackFunction's own packing of the same callback, to show what the exclusions remove.
            new aws.lambda.CallbackFunction("unbounded-control", { callback: echoHandler, role: "arn:aws:iam::000000000000:role/control" });
            return { url: echo.url };
        });
    });

    it("creates one WEBSOCKET API that selects routes on $request.body.action", () => {
        const apis = graph.ofType(RESOURCE_TYPES.api);
        expect(apis).to.have.length(1);
        expect(apis[0].inputs).to.deep.include({ protocolType: "WEBSOCKET", routeSelectionExpression: "$request.body.action" });
    });

    it("has the test route and a $default route, both two-way", () => {
        const routes = graph.ofType(RESOURCE_TYPES.route);
        expect(routes.map((r) => r.inputs.routeKey).sort()).to.deep.equal(["$default", "test"]);
        for (const route of routes) {
            expect(route.inputs.routeResponseSelectionExpression, String(route.inputs.routeKey)).to.equal("$default");
            const responses = graph.ofType(RESOURCE_TYPES.routeResponse).filter((r) => r.inputs.routeId === route.id);
            expect(responses, `route response of ${String(route.inputs.routeKey)}`).to.have.length(1);
            expect(responses[0].inputs.routeResponseKey).to.equal("$default");
        }
    });

    it("targets each route at its own AWS_PROXY integration of its own function's invokeArn", () => {
        const functions = new Set<string>();
        for (const route of graph.ofType(RESOURCE_TYPES.route)) {
            const integrationId = String(route.inputs.target).replace(/^integrations\//, "");
            expect(route.inputs.target).to.equal(`integrations/${integrationId}`);
            const integration = graph.ofType(RESOURCE_TYPES.integration).find((i) => i.id === integrationId);
            expect(integration, `integration of ${String(route.inputs.routeKey)}`).to.not.equal(undefined);
            expect(integration!.inputs).to.deep.include({
                integrationType: "AWS_PROXY",
                integrationMethod: "POST",
                apiId: graph.ofType(RESOURCE_TYPES.api)[0].id,
            });
            const fn = graph.withState(RESOURCE_TYPES.function, "invokeArn", integration!.inputs.integrationUri);
            functions.add(fn.urn);
        }
        expect(functions.size).to.equal(2);
    });

    it("lets only this API's stage invoke each function, on that route only", () => {
        const api = graph.ofType(RESOURCE_TYPES.api)[0];
        for (const route of graph.ofType(RESOURCE_TYPES.route)) {
            const integration = graph.ofType(RESOURCE_TYPES.integration).find((i) => `integrations/${i.id}` === route.inputs.target)!;
            const fn = graph.withState(RESOURCE_TYPES.function, "invokeArn", integration.inputs.integrationUri);
            const permissions = graph.ofType(RESOURCE_TYPES.permission).filter((p) => p.inputs.function === fn.state.name);
            expect(permissions).to.have.length(1);
            expect(permissions[0].inputs).to.deep.equal({
                action: "lambda:InvokeFunction",
                function: fn.state.name,
                principal: "apigateway.amazonaws.com",
                sourceArn: `${String(api.state.executionArn)}/dev/${String(route.inputs.routeKey)}`,
            });
            expect(route.dependencies, "route is created after its permission").to.include(permissions[0].urn);
        }
    });

    it("deploys an auto-deploying stage named from config, after the CloudWatch role is set", () => {
        const [stage] = graph.ofType(RESOURCE_TYPES.stage);
        expect(stage.inputs).to.deep.include({ name: "dev", autoDeploy: true, apiId: graph.ofType(RESOURCE_TYPES.api)[0].id });
        const account = graph.ofType(RESOURCE_TYPES.account)[0];
        const accountComponent = account.parent;
        expect(
            stage.dependencies.some((d) => d === account.urn || d === accountComponent),
            "stage dependsOn the account setting",
        ).to.equal(true);
    });

    it("outputs the wss URL, API id, stage name and functions by route key", async () => {
        const api = graph.ofType(RESOURCE_TYPES.api)[0];
        expect(graph.program.outputs.url).to.equal(`wss://${String(api.id)}.execute-api.us-east-1.amazonaws.com/dev`);
        expect(Object.keys(echo.functions).sort()).to.deep.equal(["$default", "test"]);
        const [apiId, stageName] = await Promise.all([
            new Promise((resolve) => echo.apiId.apply(resolve)),
            new Promise((resolve) => echo.stageName.apply(resolve)),
        ]);
        expect(apiId).to.equal(api.id);
        expect(stageName).to.equal("dev");
    });

    const withoutControl = () =>
        new ResourceGraph({ ...graph.program, resources: graph.resources.filter((r) => r.name !== "unbounded-control") });

    it("meets the security checklist: no wildcards, no managed policies, isolated functions, scoped permissions, hardened stage", () => {
        expectSecureStack(withoutControl());
    });

    it("packs only our code: one entry under 32 KB per function, where CallbackFunction alone packs the SDK", () => {
        expectArchivesHoldOurCodeOnly(withoutControl());
        const control = archiveSummary(graph.one(RESOURCE_TYPES.function, "unbounded-control"));
        expect(control.entries).to.include("node_modules/@aws-sdk/client-dynamodb");
    });

    it("creates a role, a role policy and a log group per function and nothing broader", () => {
        expect(graph.ofType(RESOURCE_TYPES.function).length - 1).to.equal(2);
        // Two functions plus the API Gateway CloudWatch role.
        expect(graph.ofType(RESOURCE_TYPES.role)).to.have.length(3);
        expect(graph.ofType(RESOURCE_TYPES.rolePolicy)).to.have.length(3);
        // Two function log groups plus the access log group.
        expect(graph.ofType(RESOURCE_TYPES.logGroup)).to.have.length(3);
    });
});

describe("EchoWebSocket arguments", () => {
    it("takes routes, a selection expression, Lambda settings, throttling and retention", async () => {
        const graph = await recordInProcess(() => {
            new EchoWebSocket("custom", {
                routeSelectionExpression: "${request.body.type}",
                routes: { shout: async () => ({ statusCode: 200, body: "HI" }), whisper: async () => ({ statusCode: 200, body: "hi" }) },
                stageName: "prod",
                throttling: { burstLimit: 20, rateLimit: 10 },
                lambda: { memorySize: 512, timeout: 29, architectures: ["x86_64"] },
                logRetentionInDays: 30,
                logging: { executionLevel: "INFO", cloudWatchRole: "existing" },
            });
        });
        expect(graph.ofType(RESOURCE_TYPES.api)[0].inputs.routeSelectionExpression).to.equal("${request.body.type}");
        expect(
            graph
                .ofType(RESOURCE_TYPES.route)
                .map((r) => r.inputs.routeKey)
                .sort(),
        ).to.deep.equal(["$default", "shout", "whisper"]);
        for (const fn of graph.ofType(RESOURCE_TYPES.function)) {
            expect(fn.inputs).to.deep.include({ memorySize: 512, timeout: 29, runtime: "nodejs22.x" });
            expect(fn.inputs.architectures).to.deep.equal(["x86_64"]);
        }
        for (const group of graph.ofType(RESOURCE_TYPES.logGroup)) {
            expect(group.inputs.retentionInDays).to.equal(30);
        }
        const [stage] = graph.ofType(RESOURCE_TYPES.stage);
        expect(stage.inputs.name).to.equal("prod");
        expect(stage.inputs.defaultRouteSettings).to.deep.include({
            throttlingBurstLimit: 20,
            throttlingRateLimit: 10,
            loggingLevel: "INFO",
        });
        expect(graph.ofType(RESOURCE_TYPES.account), "existing CloudWatch role: nothing created").to.have.length(0);
        const defaultFn = graph.ofType(RESOURCE_TYPES.function).find((f) => f.name === "custom-default")!;
        const text = (defaultFn.inputs.code as { archive: { assets: Record<string, { asset: { text: string } }> } }).archive.assets[
            "__index.js"
        ].asset.text;
        expect(text, "the $default reply names the routes").to.include('"shout"').and.include('"whisper"');
    });

    it("reads stage name and log retention from the serverless-websockets config namespace", async () => {
        const graph = await recordInProcess(() => new EchoWebSocket("configured"), {
            ...TEST_CONFIG,
            "serverless-websockets:stageName": "staging",
            "serverless-websockets:logRetentionInDays": "90",
        });
        expect(graph.ofType(RESOURCE_TYPES.stage)[0].inputs.name).to.equal("staging");
        expect(graph.ofType(RESOURCE_TYPES.logGroup).map((g) => g.inputs.retentionInDays)).to.deep.equal([90, 90, 90]);
    });

    it("routes to an existing aws.lambda.Function without creating a role or log group for it", async () => {
        const graph = await recordInProcess(() => {
            const existing = new aws.lambda.Function("byo", {
                role: "arn:aws:iam::000000000000:role/byo",
                runtime: "python3.13",
                handler: "app.handler",
                code: new pulumi.asset.AssetArchive({}),
            });
            new EchoWebSocket("byo-echo", { routes: { test: existing } });
        });
        const byo = graph.one(RESOURCE_TYPES.function, "byo");
        const integration = graph.ofType(RESOURCE_TYPES.integration).find((i) => i.inputs.integrationUri === byo.state.invokeArn);
        expect(integration, "integration to the existing function").to.not.equal(undefined);
        const permission = graph.ofType(RESOURCE_TYPES.permission).find((p) => p.inputs.function === byo.state.name)!;
        expect(permission.inputs.sourceArn).to.match(/\/dev\/test$/);
        // Only the $default function gets a role and a log group; plus the CloudWatch role.
        expect(graph.ofType(RESOURCE_TYPES.role)).to.have.length(2);
        expect(graph.ofType(RESOURCE_TYPES.logGroup)).to.have.length(2);
    });

    const invalid: [string, () => unknown, RegExp][] = [
        [
            "a timeout over API Gateway's 29 s",
            () => new EchoWebSocket("e", { lambda: { timeout: 30 } }),
            /timeout must be a whole number from 1 to 29 seconds \(API Gateway's integration timeout\)/,
        ],
        [
            "a log retention CloudWatch does not offer",
            () => new EchoWebSocket("e", { logRetentionInDays: 13 }),
            /logRetentionInDays 13 is not a CloudWatch Logs retention/,
        ],
        [
            "$connect as a two-way echo route",
            () => new EchoWebSocket("e", { routes: { $connect: echoHandler } }),
            /\$connect and \$disconnect cannot be two-way/,
        ],
        ["no routes", () => new EchoWebSocket("e", { routes: {} }), /routes is empty/],
        ["an invalid stage name", () => new EchoWebSocket("e", { stageName: "my stage" }), /stage name "my stage" is invalid/],
        ["two architectures", () => new EchoWebSocket("e", { lambda: { architectures: ["arm64", "x86_64"] } }), /exactly one/],
        [
            "a non-Node.js runtime for a callback",
            () => new EchoWebSocket("e", { lambda: { runtime: "python3.13" } }),
            /cannot run a JavaScript callback/,
        ],
        [
            "memory outside Lambda's range",
            () => new EchoWebSocket("e", { lambda: { memorySize: 64 } }),
            /memorySize must be a whole number from 128 to 10240/,
        ],
        [
            "throttling above the account default",
            () => new EchoWebSocket("e", { throttling: { burstLimit: 9000 } }),
            /throttling.burstLimit/,
        ],
        [
            "route keys that collide as resource names",
            () => new EchoWebSocket("e", { routes: { "chat/join": echoHandler, "chat-join": echoHandler } }),
            /would share the resource name/,
        ],
        [
            "an authorizer on a route other than $connect",
            () => new WebSocketApi("w", { routes: { send: { handler: echoHandler, authorizer: "AWS_IAM" } } }),
            /authorizes WebSocket clients only on \$connect/,
        ],
        [
            "a two-way $disconnect",
            () => new WebSocketApi("w", { routes: { $disconnect: { handler: echoHandler, returnResponse: true } } }),
            /cannot be two-way/,
        ],
        [
            "a name too long for AWS names",
            () => new EchoWebSocket("e".repeat(60)),
            /route "[^"]+" of "e{60}": the component name leaves no room for the route in AWS resource names .*give the component a name of at most \d+ characters/,
        ],
    ];
    for (const [label, program, pattern] of invalid) {
        it(`fails loudly on ${label}`, () => expectRejected(program, pattern));
    }
});
