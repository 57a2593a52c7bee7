import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { expect } from "chai";
import { BroadcastWebSocket, WebSocketApi, type WebSocketApiArgs } from "../../components";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { expectRejected, recordInProcess } from "../support/record";
import { expectSecureStack } from "../support/security";

const allow = async (): Promise<APIGatewayAuthorizerResult> => ({
    principalId: "user-1",
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "*" }] },
    context: { team: "blue" },
});
const accept = async () => ({ statusCode: 200 });

describe("WebSocketApi authorizers", () => {
    it("wires a Lambda REQUEST authorizer to $connect, with a permission for that authorizer only", async () => {
        const graph = await recordInProcess(
            () =>
                new WebSocketApi("guarded", {
                    routes: {
                        $connect: { handler: accept, authorizer: { handler: allow, identitySources: ["route.request.querystring.token"] } },
                    },
                }),
        );
        const [api] = graph.ofType(RESOURCE_TYPES.api);
        const [authorizer] = graph.ofType(RESOURCE_TYPES.authorizer);
        const authorizerFn = graph.one(RESOURCE_TYPES.function, "guarded-connect-authorizer");
        expect(authorizer.inputs).to.deep.include({
            apiId: api.id,
            authorizerType: "REQUEST",
            authorizerUri: authorizerFn.state.invokeArn,
            identitySources: ["route.request.querystring.token"],
        });
        const [route] = graph.ofType(RESOURCE_TYPES.route);
        expect(route.inputs).to.deep.include({ routeKey: "$connect", authorizationType: "CUSTOM", authorizerId: authorizer.id });
        const permission = graph.ofType(RESOURCE_TYPES.permission).find((p) => p.inputs.function === authorizerFn.state.name)!;
        expect(permission.inputs.sourceArn).to.equal(`${String(api.state.executionArn)}/authorizers/${String(authorizer.id)}`);
        expect(route.dependencies, "the route waits for the authorizer's permission").to.include(permission.urn);
        expectSecureStack(graph);
    });

    it("reads the identity from the Authorization header by default", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("default-source", { routes: { $connect: { handler: accept, authorizer: { handler: allow } } } }),
        );
        expect(graph.ofType(RESOURCE_TYPES.authorizer)[0].inputs.identitySources).to.deep.equal(["route.request.header.Authorization"]);
    });

    it("uses IAM authorization without an authorizer resource", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("iam", { routes: { $connect: { handler: accept, authorizer: "AWS_IAM" } } }),
        );
        expect(graph.ofType(RESOURCE_TYPES.route)[0].inputs.authorizationType).to.equal("AWS_IAM");
        expect(graph.ofType(RESOURCE_TYPES.authorizer)).to.have.length(0);
    });

    it("puts BroadcastWebSocket's authorizer on its own $connect", async () => {
        const graph = await recordInProcess(() => {
            new BroadcastWebSocket("members", { authorizer: { handler: allow } });
        });
        const connect = graph.ofType(RESOURCE_TYPES.route).find((r) => r.inputs.routeKey === "$connect")!;
        expect(connect.inputs.authorizationType).to.equal("CUSTOM");
        const others = graph.ofType(RESOURCE_TYPES.route).filter((r) => r.inputs.routeKey !== "$connect");
        expect(others).to.have.length(5);
        expect(new Set(others.map((r) => r.inputs.authorizationType))).to.deep.equal(new Set(["NONE"]));
    });

    const invalid: [string, () => unknown, RegExp][] = [
        [
            "an argument it does not take (a misspelt one, or a wrapping component's own)",
            () => new WebSocketApi("w", { stagename: "prod" } as WebSocketApiArgs),
            /WebSocketApi: unknown argument stagename; it takes routeSelectionExpression, stageName, /,
        ],
        [
            "an authorizer on a message route",
            () => new WebSocketApi("w", { routes: { send: { handler: accept, authorizer: { handler: allow } } } }),
            /only on \$connect/,
        ],
        [
            "empty identity sources",
            () => new WebSocketApi("w", { routes: { $connect: { handler: accept, authorizer: { handler: allow, identitySources: [] } } } }),
            /identitySources is empty/,
        ],
        [
            "a malformed identity source",
            () =>
                new WebSocketApi("w", {
                    routes: { $connect: { handler: accept, authorizer: { handler: allow, identitySources: ["$request.header.Auth"] } } },
                }),
            /must look like route.request.header.NAME/,
        ],
    ];
    for (const [label, program, pattern] of invalid) {
        it(`fails loudly on ${label}`, () => expectRejected(program, pattern));
    }
});

describe("components built on WebSocketApi", () => {
    it("hand it only the API settings, not their own args", async () => {
        const graph = await recordInProcess(
            () =>
                new BroadcastWebSocket("own-args", {
                    stageName: "live",
                    versioning: false,
                    events: ["s3:ObjectCreated:*"],
                    filterPrefix: "uploads/",
                    fanout: { segments: 2 },
                    table: { pointInTimeRecovery: false },
                }),
        );
        expect(graph.ofType(RESOURCE_TYPES.stage).map((s) => s.inputs.name)).to.deep.equal(["live"]);
    });
});

describe("WebSocketApi route names", () => {
    const longKey = (prefix: string) => `${prefix}.${"x".repeat(120)}`;

    it("fits a route key of up to 128 characters into AWS names, with a hash that keeps two long keys apart", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("chat", { routes: { [longKey("one")]: { handler: accept }, [longKey("two")]: { handler: accept } } }),
        );
        const names = graph.ofType(RESOURCE_TYPES.function).map((f) => f.name);
        expect(names).to.have.length(2);
        expect(new Set(names).size).to.equal(2);
        for (const name of names) {
            expect(name).to.match(/^chat-(one|two)-x+-[0-9a-f]{6}$/);
            expect(name.length).to.be.at.most(56);
        }
    });

    it("keeps today's names for keys that fit", async () => {
        const graph = await recordInProcess(() => new WebSocketApi("chat", { routes: { sendmessage: { handler: accept } } }));
        expect(graph.ofType(RESOURCE_TYPES.function).map((f) => f.name)).to.deep.equal(["chat-sendmessage"]);
    });

    it("names the route and the fix when the component's own name leaves no room", () =>
        expectRejected(
            () => new WebSocketApi("a-component-name-that-is-far-too-long-for-aws", { routes: { [longKey("k")]: { handler: accept } } }),
            /WebSocketApi: route "k\.x+" of "a-component-name-that-is-far-too-long-for-aws": .*give the component a name of at most \d+ characters\./,
        ));
});
