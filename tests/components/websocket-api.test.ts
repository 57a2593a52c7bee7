import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { expect } from "chai";
import { BroadcastWebSocket, WebSocketApi } from "../../components";
import { TYPES } from "../support/graph";
import { recordInProcess } from "../support/record";
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
        const [api] = graph.ofType(TYPES.api);
        const [authorizer] = graph.ofType("aws:apigatewayv2/authorizer:Authorizer");
        const authorizerFn = graph.one(TYPES.function, "guarded-connect-authorizer");
        expect(authorizer.inputs).to.deep.include({
            apiId: api.id,
            authorizerType: "REQUEST",
            authorizerUri: authorizerFn.state.invokeArn,
            identitySources: ["route.request.querystring.token"],
        });
        const [route] = graph.ofType(TYPES.route);
        expect(route.inputs).to.deep.include({ routeKey: "$connect", authorizationType: "CUSTOM", authorizerId: authorizer.id });
        const permission = graph.ofType(TYPES.permission).find((p) => p.inputs.function === authorizerFn.state.name)!;
        expect(permission.inputs.sourceArn).to.equal(`${String(api.state.executionArn)}/authorizers/${String(authorizer.id)}`);
        expect(route.dependencies, "the route waits for the authorizer's permission").to.include(permission.urn);
        expectSecureStack(graph);
    });

    it("reads the identity from the Authorization header by default", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("default-source", { routes: { $connect: { handler: accept, authorizer: { handler: allow } } } }),
        );
        expect(graph.ofType("aws:apigatewayv2/authorizer:Authorizer")[0].inputs.identitySources).to.deep.equal([
            "route.request.header.Authorization",
        ]);
    });

    it("uses IAM authorization without an authorizer resource", async () => {
        const graph = await recordInProcess(
            () => new WebSocketApi("iam", { routes: { $connect: { handler: accept, authorizer: "AWS_IAM" } } }),
        );
        expect(graph.ofType(TYPES.route)[0].inputs.authorizationType).to.equal("AWS_IAM");
        expect(graph.ofType("aws:apigatewayv2/authorizer:Authorizer")).to.have.length(0);
    });

    it("puts BroadcastWebSocket's authorizer on its own $connect", async () => {
        const graph = await recordInProcess(() => {
            new BroadcastWebSocket("members", { authorizer: { handler: allow } });
        });
        const connect = graph.ofType(TYPES.route).find((r) => r.inputs.routeKey === "$connect")!;
        expect(connect.inputs.authorizationType).to.equal("CUSTOM");
        const others = graph.ofType(TYPES.route).filter((r) => r.inputs.routeKey !== "$connect");
        expect(others.map((r) => r.inputs.authorizationType)).to.deep.equal(["NONE", "NONE"]);
    });

    const invalid: [string, () => unknown, RegExp][] = [
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
        it(`fails loudly on ${label}`, async () => {
            const error = await recordInProcess(program).then(
                () => undefined,
                (err: unknown) => err,
            );
            expect((error as Error | undefined)?.message).to.match(pattern);
        });
    }
});
