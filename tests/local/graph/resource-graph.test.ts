import { expect } from "chai";
import { ResourceGraph } from "../../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../../local/record/resource-types";
import type { Json, RecordedProgram, RecordedResource } from "../../../local/record/record-program";

const ACCOUNT = "123456789012";
const STACK_URN = "urn:pulumi:dev::graph-test::pulumi:pulumi:Stack::graph-test-dev";

interface Made {
    name: string;
    id?: string | null;
    custom?: boolean;
    parent?: string;
    inputs?: { [key: string]: Json };
    state?: { [key: string]: Json };
}

/** A recorded resource as `recordProgram` writes it; URNs follow Pulumi's `urn:pulumi:<stack>::<project>::<type>::<name>`. */
function resource(type: string, made: Made): RecordedResource {
    return {
        urn: `urn:pulumi:dev::graph-test::${type}::${made.name}`,
        type,
        name: made.name,
        parent: made.parent ?? STACK_URN,
        dependencies: [],
        custom: made.custom ?? true,
        retainOnDelete: false,
        id: made.id === undefined ? `${made.name}-id` : made.id,
        inputs: made.inputs ?? {},
        state: made.state ?? {},
    };
}

function graphOf(...resources: RecordedResource[]): ResourceGraph {
    const program: RecordedProgram = {
        programDir: "/tmp/graph-test",
        project: "graph-test",
        stack: "dev",
        region: "us-east-1",
        resources,
        outputs: {},
    };
    return new ResourceGraph(program);
}

const api = (name: string, id: string, inputs: { [key: string]: Json } = {}) =>
    resource(RESOURCE_TYPES.api, {
        name,
        id,
        inputs: { protocolType: "WEBSOCKET", ...inputs },
        state: { executionArn: `arn:aws:execute-api:us-east-1:${ACCOUNT}:${id}` },
    });
const stage = (name: string, apiId: string, stageName: string) =>
    resource(RESOURCE_TYPES.stage, { name, inputs: { apiId, name: stageName } });
const route = (name: string, id: string, inputs: { [key: string]: Json }) => resource(RESOURCE_TYPES.route, { name, id, inputs });
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
const invokeArn = (name: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn(name)}/invocations`;
const lambda = (name: string, physical: string, inputs: { [key: string]: Json } = {}) =>
    resource(RESOURCE_TYPES.function, {
        name,
        id: physical,
        inputs,
        state: { name: physical, arn: fnArn(physical), invokeArn: invokeArn(physical) },
    });

describe("the resource graph", () => {
    describe("WebSocket APIs", () => {
        const chat = () =>
            graphOf(
                api("chat", "chat-api", { routeSelectionExpression: "$request.body.type" }),
                stage("chat-stage", "chat-api", "prod"),
                resource(RESOURCE_TYPES.api, { name: "rest", id: "http-api", inputs: { protocolType: "HTTP" } }),
                resource(RESOURCE_TYPES.integration, {
                    name: "connect-integration",
                    id: "int-connect",
                    inputs: { apiId: "chat-api", integrationType: "AWS_PROXY", integrationUri: invokeArn("connect-fn") },
                }),
                resource(RESOURCE_TYPES.integration, {
                    name: "echo-integration",
                    id: "int-echo",
                    inputs: { apiId: "chat-api", integrationType: "AWS_PROXY", integrationUri: invokeArn("echo-fn") },
                }),
                resource(RESOURCE_TYPES.integration, {
                    name: "mock-integration",
                    id: "int-mock",
                    inputs: { apiId: "chat-api", integrationType: "MOCK", integrationUri: "https://example.com/not-lambda" },
                }),
                resource(RESOURCE_TYPES.authorizer, {
                    name: "token-authorizer",
                    id: "auth-token",
                    inputs: {
                        apiId: "chat-api",
                        authorizerType: "REQUEST",
                        authorizerUri: invokeArn("auth-fn"),
                        identitySources: ["route.request.header.Authorization", "route.request.querystring.token"],
                    },
                }),
                route("connect-route", "route-connect", {
                    apiId: "chat-api",
                    routeKey: "$connect",
                    target: "integrations/int-connect",
                    authorizationType: "CUSTOM",
                    authorizerId: "auth-token",
                }),
                route("echo-route", "route-echo", {
                    apiId: "chat-api",
                    routeKey: "echo",
                    target: "integrations/int-echo",
                    routeResponseSelectionExpression: "$default",
                }),
                route("selects-route", "route-selects", {
                    apiId: "chat-api",
                    routeKey: "selects-only",
                    target: "integrations/int-echo",
                    routeResponseSelectionExpression: "$default",
                }),
                route("responds-route", "route-responds", {
                    apiId: "chat-api",
                    routeKey: "responds-only",
                    target: "integrations/int-echo",
                    routeResponseSelectionExpression: null,
                }),
                route("default-route", "route-default", { apiId: "chat-api", routeKey: "$default", target: "integrations/int-mock" }),
                route("untargeted-route", "route-untargeted", { apiId: "chat-api", routeKey: "nowhere", authorizationType: "AWS_IAM" }),
                route("foreign-route", "route-foreign", { apiId: "http-api", routeKey: "GET /", target: "integrations/int-echo" }),
                resource(RESOURCE_TYPES.routeResponse, {
                    name: "echo-response",
                    inputs: { apiId: "chat-api", routeId: "route-echo", routeResponseKey: "$default" },
                }),
                resource(RESOURCE_TYPES.routeResponse, {
                    name: "responds-response",
                    inputs: { apiId: "chat-api", routeId: "route-responds", routeResponseKey: "$default" },
                }),
            );

        it("serves WebSocket APIs only, each with its id, execution ARN, selection expression and one stage", () => {
            const apis = chat().websocketApis();
            expect(apis.map(({ routes: _routes, ...rest }) => rest)).to.deep.equal([
                {
                    name: "chat",
                    apiId: "chat-api",
                    executionArn: `arn:aws:execute-api:us-east-1:${ACCOUNT}:chat-api`,
                    selectionExpression: "$request.body.type",
                    stage: "prod",
                },
            ]);
        });

        it("keys an API's routes by route key, leaving out other APIs' routes", () => {
            const [chatApi] = chat().websocketApis();
            expect([...chatApi.routes.keys()]).to.deep.equal(["$connect", "echo", "selects-only", "responds-only", "$default", "nowhere"]);
        });

        it("gives a route the integration URI of an AWS_PROXY integration only", () => {
            const { routes } = chat().websocketApis()[0];
            expect(routes.get("$connect")?.integrationUri).to.equal(invokeArn("connect-fn"));
            expect(routes.get("echo")?.integrationUri).to.equal(invokeArn("echo-fn"));
            expect(routes.get("$default")?.integrationUri, "a MOCK integration").to.equal(undefined);
            expect(routes.get("nowhere")?.integrationUri, "no target").to.equal(undefined);
        });

        it("makes a route two-way only with a route response selection expression and a RouteResponse (B18)", () => {
            const { routes } = chat().websocketApis()[0];
            expect(routes.get("echo")?.twoWay, "both").to.equal(true);
            expect(routes.get("selects-only")?.twoWay, "expression without RouteResponse").to.equal(false);
            expect(routes.get("responds-only")?.twoWay, "RouteResponse without expression").to.equal(false);
            expect(routes.get("$default")?.twoWay, "neither").to.equal(false);
        });

        it("wires a route's authorizer and authorization type, NONE by default (B14)", () => {
            const { routes } = chat().websocketApis()[0];
            expect(routes.get("$connect")).to.deep.equal({
                routeKey: "$connect",
                integrationUri: invokeArn("connect-fn"),
                twoWay: false,
                authorizationType: "CUSTOM",
                authorizer: {
                    id: "auth-token",
                    functionUri: invokeArn("auth-fn"),
                    identitySources: ["route.request.header.Authorization", "route.request.querystring.token"],
                },
            });
            expect(routes.get("nowhere")).to.deep.equal({
                routeKey: "nowhere",
                integrationUri: undefined,
                twoWay: false,
                authorizationType: "AWS_IAM",
                authorizer: undefined,
            });
            expect(routes.get("echo")?.authorizationType).to.equal("NONE");
            expect(routes.get("echo")?.authorizer).to.equal(undefined);
        });

        it("gives an authorizer without identity sources an empty list", () => {
            const graph = graphOf(
                api("ws", "ws-api"),
                stage("ws-stage", "ws-api", "dev"),
                resource(RESOURCE_TYPES.authorizer, { name: "bare", id: "auth-bare", inputs: { authorizerUri: invokeArn("auth-fn") } }),
                route("connect", "route-connect", {
                    apiId: "ws-api",
                    routeKey: "$connect",
                    authorizationType: "CUSTOM",
                    authorizerId: "auth-bare",
                }),
            );
            expect(graph.websocketApis()[0].routes.get("$connect")?.authorizer).to.deep.equal({
                id: "auth-bare",
                functionUri: invokeArn("auth-fn"),
                identitySources: [],
            });
        });

        it("selects routes by $request.body.action when the API sets no expression", () => {
            const graph = graphOf(api("ws", "ws-api"), stage("ws-stage", "ws-api", "dev"));
            const [ws] = graph.websocketApis();
            expect(ws.selectionExpression).to.equal("$request.body.action");
            expect(ws.stage).to.equal("dev");
            expect(ws.routes.size).to.equal(0);
        });

        it("refuses an API without a stage, naming it", () => {
            const graph = graphOf(api("lonely", "lonely-api"), stage("elsewhere", "other-api", "prod"));
            expect(() => graph.websocketApis()).to.throw(
                "API lonely (lonely-api) has 0 stages; the local cloud serves an API with exactly one.",
            );
        });

        it("refuses an API with two stages, naming it", () => {
            const graph = graphOf(api("twin", "twin-api"), stage("one", "twin-api", "dev"), stage("two", "twin-api", "prod"));
            expect(() => graph.websocketApis()).to.throw(
                "API twin (twin-api) has 2 stages; the local cloud serves an API with exactly one.",
            );
        });
    });

    describe("functions", () => {
        const functions = () =>
            graphOf(
                lambda("plain", "plain-1a2b3c"),
                lambda("full", "full-4d5e6f", {
                    handler: "app.main",
                    runtime: "nodejs20.x",
                    timeout: 30,
                    memorySize: 512,
                    code: { archive: { path: "./build" } },
                    environment: { variables: { TABLE: "messages", COUNT: 3 } },
                    reservedConcurrentExecutions: 5,
                    loggingConfig: { logFormat: "JSON", logGroup: "/custom/full" },
                }),
                lambda("by-arn", "by-arn-7a8b9c", { loggingConfig: { logFormat: "Text" } }),
                lambda("unset", "unset-0d0e0f"),
                resource(RESOURCE_TYPES.invokeConfig, {
                    name: "plain-retries",
                    inputs: { functionName: "plain-1a2b3c", maximumRetryAttempts: 0 },
                }),
                resource(RESOURCE_TYPES.invokeConfig, {
                    name: "arn-retries",
                    inputs: { functionName: fnArn("by-arn-7a8b9c"), maximumRetryAttempts: 1 },
                }),
                resource(RESOURCE_TYPES.invokeConfig, {
                    name: "age-only",
                    inputs: { functionName: "unset-0d0e0f", maximumEventAgeInSeconds: 60 },
                }),
            ).functions();

        it("fills in Lambda's defaults: index.handler, nodejs22.x, 3 s, 128 MB, /aws/lambda/<name> (B33)", () => {
            expect(functions()[0]).to.deep.equal({
                name: "plain-1a2b3c",
                arn: fnArn("plain-1a2b3c"),
                handler: "index.handler",
                runtime: "nodejs22.x",
                code: null,
                timeout: 3,
                memorySize: 128,
                environment: {},
                reservedConcurrency: undefined,
                logGroupName: "/aws/lambda/plain-1a2b3c",
                logFormat: "Text",
                applicationLogLevel: undefined,
                maximumRetryAttempts: 0,
                maximumEventAgeSeconds: 21_600,
                onFailure: [],
            });
        });

        it("keeps what the program sets, environment values as strings, and loggingConfig.logGroup as the log group", () => {
            expect(functions()[1]).to.deep.equal({
                name: "full-4d5e6f",
                arn: fnArn("full-4d5e6f"),
                handler: "app.main",
                runtime: "nodejs20.x",
                code: { archive: { path: "./build" } },
                timeout: 30,
                memorySize: 512,
                environment: { TABLE: "messages", COUNT: "3" },
                reservedConcurrency: 5,
                logGroupName: "/custom/full",
                logFormat: "JSON",
                applicationLogLevel: undefined,
                maximumRetryAttempts: 2,
                maximumEventAgeSeconds: 21_600,
                onFailure: [],
            });
        });

        it("names the log group /aws/lambda/<name> when loggingConfig sets no log group", () => {
            expect(functions()[2].logGroupName).to.equal("/aws/lambda/by-arn-7a8b9c");
        });

        it("takes maximumRetryAttempts from the FunctionEventInvokeConfig naming the function by name or ARN, else 2 (B28, B29)", () => {
            expect(functions().map((f) => [f.name, f.maximumRetryAttempts])).to.deep.equal([
                ["plain-1a2b3c", 0],
                ["full-4d5e6f", 2],
                ["by-arn-7a8b9c", 1],
                ["unset-0d0e0f", 2],
            ]);
        });
    });

    describe("permissions", () => {
        const target = { name: "worker-1a2b", arn: fnArn("worker-1a2b") };
        const other = { name: "other-3c4d", arn: fnArn("other-3c4d") };
        const connectArn = (stageAndRoute: string) => `arn:aws:execute-api:us-east-1:${ACCOUNT}:chat-api/${stageAndRoute}`;
        const graph = graphOf(
            resource(RESOURCE_TYPES.permission, {
                name: "gateway-invoke",
                inputs: { function: "worker-1a2b", principal: "apigateway.amazonaws.com", sourceArn: connectArn("*/$connect") },
            }),
            resource(RESOURCE_TYPES.permission, {
                name: "s3-invoke",
                inputs: {
                    function: fnArn("worker-1a2b"),
                    principal: "s3.amazonaws.com",
                    sourceArn: "arn:aws:s3:::logs-?",
                    sourceAccount: ACCOUNT,
                },
            }),
            resource(RESOURCE_TYPES.permission, {
                name: "anywhere",
                inputs: { function: "other-3c4d", principal: "events.amazonaws.com" },
            }),
        );

        it("lets the named principal invoke the function named by name from a matching source ARN", () => {
            expect(graph.permits(target, "apigateway.amazonaws.com", connectArn("prod/$connect"))).to.be.true;
            expect(graph.permits(target, "apigateway.amazonaws.com", connectArn("dev/$connect"))).to.be.true;
            expect(graph.permits(target, "apigateway.amazonaws.com", connectArn("prod/echo")), "another route").to.be.false;
            expect(graph.permits(target, "s3.amazonaws.com", connectArn("prod/$connect")), "another principal").to.be.false;
            expect(graph.permits(other, "apigateway.amazonaws.com", connectArn("prod/$connect")), "another function").to.be.false;
        });

        it("matches the function by ARN and the source ARN's ? wildcard as one character", () => {
            expect(graph.permits(target, "s3.amazonaws.com", "arn:aws:s3:::logs-a", ACCOUNT)).to.be.true;
            expect(graph.permits(target, "s3.amazonaws.com", "arn:aws:s3:::logs-ab", ACCOUNT)).to.be.false;
            expect(graph.permits(target, "s3.amazonaws.com", "arn:aws:s3:::logs-", ACCOUNT)).to.be.false;
        });

        it("checks sourceAccount when both the permission and the caller give one", () => {
            expect(graph.permits(target, "s3.amazonaws.com", "arn:aws:s3:::logs-a", "999999999999")).to.be.false;
            expect(graph.permits(target, "s3.amazonaws.com", "arn:aws:s3:::logs-a")).to.be.true;
        });

        it("lets a permission without sourceArn or sourceAccount cover any source", () => {
            expect(graph.permits(other, "events.amazonaws.com", "arn:aws:events:us-east-1:1:rule/any", ACCOUNT)).to.be.true;
            expect(graph.permits(other, "events.amazonaws.com", "")).to.be.true;
            expect(graph.permits(target, "events.amazonaws.com", "")).to.be.false;
        });
    });

    describe("tables", () => {
        it("reads keys, attributes and indexes, and the TTL attribute only when TTL is enabled", () => {
            const attributes = [
                { name: "pk", type: "S" },
                { name: "sk", type: "S" },
                { name: "room", type: "S" },
            ];
            const globalSecondaryIndexes = [{ name: "by-room", hashKey: "room", projectionType: "KEYS_ONLY" }];
            const graph = graphOf(
                resource(RESOURCE_TYPES.table, {
                    name: "connections",
                    inputs: {
                        hashKey: "pk",
                        rangeKey: "sk",
                        attributes,
                        globalSecondaryIndexes,
                        ttl: { attributeName: "expiresAt", enabled: true },
                    },
                    state: { name: "connections-1a2b" },
                }),
                resource(RESOURCE_TYPES.table, {
                    name: "disabled",
                    inputs: { hashKey: "id", attributes: [{ name: "id", type: "N" }], ttl: { attributeName: "gone", enabled: false } },
                    state: { name: "disabled-3c4d" },
                }),
                resource(RESOURCE_TYPES.table, { name: "bare", inputs: { hashKey: "id" }, state: { name: "bare-5e6f" } }),
            );
            expect(graph.tables()).to.deep.equal([
                {
                    name: "connections-1a2b",
                    hashKey: "pk",
                    rangeKey: "sk",
                    attributes,
                    globalSecondaryIndexes,
                    ttlAttribute: "expiresAt",
                },
                {
                    name: "disabled-3c4d",
                    hashKey: "id",
                    rangeKey: undefined,
                    attributes: [{ name: "id", type: "N" }],
                    globalSecondaryIndexes: [],
                    ttlAttribute: undefined,
                },
                {
                    name: "bare-5e6f",
                    hashKey: "id",
                    rangeKey: undefined,
                    attributes: [],
                    globalSecondaryIndexes: [],
                    ttlAttribute: undefined,
                },
            ]);
        });
    });

    describe("buckets and notifications", () => {
        const graph = graphOf(
            resource(RESOURCE_TYPES.bucket, { name: "uploads", state: { bucket: "uploads-1a2b" } }),
            resource(RESOURCE_TYPES.bucket, { name: "quiet", state: { bucket: "quiet-3c4d" } }),
            resource(RESOURCE_TYPES.notification, {
                name: "on-upload",
                inputs: {
                    bucket: "uploads-1a2b",
                    lambdaFunctions: [
                        {
                            lambdaFunctionArn: fnArn("thumbs"),
                            events: ["s3:ObjectCreated:*"],
                            filterPrefix: "photos/",
                            filterSuffix: ".jpg",
                        },
                        { lambdaFunctionArn: fnArn("audit"), events: ["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"] },
                    ],
                },
            }),
            resource(RESOURCE_TYPES.notification, {
                name: "on-external",
                inputs: { bucket: "existing-bucket", lambdaFunctions: [{ lambdaFunctionArn: fnArn("audit") }] },
            }),
            resource(RESOURCE_TYPES.notification, { name: "on-external-again", inputs: { bucket: "existing-bucket" } }),
        );

        it("lists created buckets, then buckets the program only watches, each once", () => {
            expect(graph.buckets()).to.deep.equal(["uploads-1a2b", "quiet-3c4d", "existing-bucket"]);
        });

        it("reads each notification's bucket and targets, with no events or filters where none are set", () => {
            expect(graph.notifications()).to.deep.equal([
                {
                    name: "on-upload",
                    bucket: "uploads-1a2b",
                    targets: [
                        { functionArn: fnArn("thumbs"), events: ["s3:ObjectCreated:*"], filterPrefix: "photos/", filterSuffix: ".jpg" },
                        {
                            functionArn: fnArn("audit"),
                            events: ["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"],
                            filterPrefix: undefined,
                            filterSuffix: undefined,
                        },
                    ],
                },
                {
                    name: "on-external",
                    bucket: "existing-bucket",
                    targets: [{ functionArn: fnArn("audit"), events: [], filterPrefix: undefined, filterSuffix: undefined }],
                },
                { name: "on-external-again", bucket: "existing-bucket", targets: [] },
            ]);
        });
    });

    describe("generic queries", () => {
        const component = resource("test:index:Chat", { name: "chat", custom: false, id: null });
        const child = resource(RESOURCE_TYPES.function, {
            name: "handler",
            parent: component.urn,
            state: { name: "handler-1a2b", invokeArn: invokeArn("handler-1a2b") },
        });
        const inner = resource("test:index:Inner", { name: "inner", custom: false, id: null, parent: component.urn });
        const grandchild = resource(RESOURCE_TYPES.logGroup, { name: "logs", parent: inner.urn });
        const sibling = resource(RESOURCE_TYPES.role, { name: "role", parent: component.urn });
        const outside = resource(RESOURCE_TYPES.function, {
            name: "outside",
            state: { name: "outside-3c4d", invokeArn: invokeArn("outside-3c4d") },
        });
        const twin = resource(RESOURCE_TYPES.function, {
            name: "handler",
            parent: inner.urn,
            state: { name: "handler-5e6f", invokeArn: invokeArn("shared") },
        });
        const twinToo = resource(RESOURCE_TYPES.function, {
            name: "twin-too",
            state: { name: "twin-too", invokeArn: invokeArn("shared") },
        });

        it("finds the one resource of a type and name, and fails on none or several", () => {
            const graph = graphOf(component, child, outside);
            expect(graph.one(RESOURCE_TYPES.function, "outside")).to.equal(outside);
            expect(() => graph.one(RESOURCE_TYPES.function, "missing")).to.throw(
                `expected one ${RESOURCE_TYPES.function} named missing, found 0`,
            );
            expect(() => graphOf(child, twin).one(RESOURCE_TYPES.function, "handler")).to.throw(
                `expected one ${RESOURCE_TYPES.function} named handler, found 2`,
            );
        });

        it("finds a resource by URN, and fails for an unknown one", () => {
            const graph = graphOf(component, child, outside);
            expect(graph.byUrn(child.urn)).to.equal(child);
            expect(() => graph.byUrn("urn:pulumi:dev::graph-test::nothing::here")).to.throw(
                "no resource urn:pulumi:dev::graph-test::nothing::here",
            );
        });

        it("lists a component's descendants at any depth, each child followed by its own", () => {
            const graph = graphOf(component, child, inner, outside, grandchild, sibling);
            expect(graph.descendants(component.urn).map((r) => r.name)).to.deep.equal(["handler", "inner", "logs", "role"]);
            expect(graph.descendants(inner.urn)).to.deep.equal([grandchild]);
            expect(graph.descendants(grandchild.urn)).to.deep.equal([]);
        });

        it("finds the one resource of a type by a state field, and fails on none or several", () => {
            const graph = graphOf(component, child, outside, twin, twinToo);
            expect(graph.withState(RESOURCE_TYPES.function, "invokeArn", invokeArn("outside-3c4d"))).to.equal(outside);
            expect(() => graph.withState(RESOURCE_TYPES.function, "invokeArn", "nope")).to.throw(
                `expected one ${RESOURCE_TYPES.function} with invokeArn=nope, found 0`,
            );
            expect(() => graph.withState(RESOURCE_TYPES.function, "invokeArn", invokeArn("shared"))).to.throw(
                `expected one ${RESOURCE_TYPES.function} with invokeArn=${invokeArn("shared")}, found 2`,
            );
            expect(() => graph.withState(RESOURCE_TYPES.logGroup, "invokeArn", invokeArn("outside-3c4d")), "another type").to.throw(
                "found 0",
            );
        });

        it("counts custom resources only as AWS resources, components left out", () => {
            const graph = graphOf(component, child, inner, grandchild, outside);
            expect(graph.awsResources).to.deep.equal([child, grandchild, outside]);
            expect(graph.resources).to.have.length(5);
        });
    });
});
