import { expect } from "chai";
import { ResourceGraph } from "../../../../local/graph/resource-graph";
import type { ApiSpec, FunctionSpec, RouteSpec } from "../../../../local/graph/specs";
import { RESOURCE_TYPES } from "../../../../local/record/resource-types";
import { authorizeConnect, type AuthorizerContext } from "../../../../local/services/gateway/authorizer";
import type { Handshake } from "../../../../local/services/gateway/events/handshake";
import type { ConnectionInfo } from "../../../../local/services/gateway/proxy-events";
import type { InvokeOutcome } from "../../../../local/services/lambda/runtime";

const EXECUTION_ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123";
const METHOD_ARN = `${EXECUTION_ARN}/dev/$connect`;
const AUTHORIZER = { name: "auth-fn", arn: "arn:aws:lambda:us-east-1:000000000000:function:auth-fn" } as FunctionSpec;

const api: ApiSpec = {
    name: "guarded",
    apiId: "abc123",
    executionArn: EXECUTION_ARN,
    selectionExpression: "$request.body.action",
    stage: "dev",
    routes: new Map(),
};
const route = (identitySources: string[]): RouteSpec => ({
    routeKey: "$connect",
    twoWay: false,
    authorizationType: "CUSTOM",
    authorizer: { id: "auth1", functionUri: AUTHORIZER.arn, identitySources },
});

/** A graph holding only the authorizer's permission, when `permitted`. */
const graphWith = (permitted: boolean) =>
    new ResourceGraph({
        programDir: ".",
        project: "p",
        stack: "dev",
        region: "us-east-1",
        outputs: {},
        resources: permitted
            ? [
                  {
                      urn: "urn:pulumi:dev::p::aws:lambda/permission:Permission::auth",
                      type: RESOURCE_TYPES.permission,
                      name: "auth",
                      parent: "",
                      dependencies: [],
                      custom: true,
                      retainOnDelete: false,
                      id: "auth",
                      inputs: {
                          function: AUTHORIZER.name,
                          principal: "apigateway.amazonaws.com",
                          sourceArn: `${EXECUTION_ARN}/authorizers/auth1`,
                      },
                      state: {},
                  },
              ]
            : [],
    });

/** The authorizer function as a stand-in: answers `outcome`, records the events it was given. */
function context(outcome: InvokeOutcome, permitted = true): AuthorizerContext & { events: unknown[]; logs: string[] } {
    const events: unknown[] = [];
    const logs: string[] = [];
    return {
        api,
        info: { apiId: api.apiId, stage: api.stage, domainName: "abc123.execute-api.us-east-1.amazonaws.com" },
        graph: graphWith(permitted),
        lambda: {
            find: (reference) => (reference === AUTHORIZER.arn ? AUTHORIZER : undefined),
            invoke: async (_name, event) => {
                events.push(event);
                return outcome;
            },
        },
        log: (line) => logs.push(line),
        events,
        logs,
    };
}

const allow = (effect: "Allow" | "Deny"): InvokeOutcome => ({
    ok: true,
    durationMs: 1,
    value: {
        principalId: "user-1",
        policyDocument: { Statement: [{ Effect: effect, Action: "execute-api:Invoke", Resource: METHOD_ARN }] },
        context: { team: "blue" },
    },
});
const parts = (headers: Record<string, string>, query?: Record<string, string>): Handshake => ({
    request: { requestId: "Yt3vWHqOoAMFUkw=", epochMs: 1 },
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    ...(query
        ? {
              queryStringParameters: query,
              multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
          }
        : {}),
});
const connection = (): ConnectionInfo => ({ connectionId: "c1", connectedAt: 1, sourceIp: "127.0.0.1" });

describe("local gateway: $connect authorization (B14, B15)", () => {
    it("reads a header identity source case-insensitively and a query one by exact name", async () => {
        const ctx = context(allow("Allow"));
        expect(
            await authorizeConnect(route(["route.request.header.Authorization"]), connection(), parts({ authorization: "t" }), ctx),
        ).to.equal(undefined);
        expect(await authorizeConnect(route(["route.request.querystring.token"]), connection(), parts({}, { Token: "t" }), ctx)).to.equal(
            401,
        );
        expect(ctx.events).to.have.length(1);
    });

    it("answers 401 without invoking the authorizer when any identity source is missing or empty", async () => {
        const ctx = context(allow("Allow"));
        const sources = ["route.request.header.Authorization", "route.request.querystring.token"];
        expect(await authorizeConnect(route(sources), connection(), parts({ Authorization: "t" }), ctx)).to.equal(401);
        expect(await authorizeConnect(route(sources), connection(), parts({ Authorization: "t" }, { token: "" }), ctx)).to.equal(401);
        expect(ctx.events).to.deep.equal([]);
    });

    it("sends a REQUEST event with the $connect method ARN, and puts principalId and context on the connection", async () => {
        const ctx = context(allow("Allow"));
        const admitted = connection();
        expect(await authorizeConnect(route(["route.request.header.Auth"]), admitted, parts({ Auth: "t" }), ctx)).to.equal(undefined);
        expect(ctx.events[0]).to.deep.include({ type: "REQUEST", methodArn: METHOD_ARN, stageVariables: {} });
        // The handshake's headers, with the upgrade headers only the authorizer sees (docs/events.md).
        expect(ctx.events[0]).to.have.deep.property("headers", {
            Auth: "t",
            Connection: "upgrade",
            "content-length": "0",
            Upgrade: "websocket",
        });
        expect(admitted.authorizer).to.deep.equal({ team: "blue", principalId: "user-1" });
        expect(admitted.authorizerLatencyMs, "the CONNECT event's integrationLatency").to.be.a("number").at.least(0);
    });

    it("answers 403 for a Deny policy, 401 for an Unauthorized error and 500 for any other error", async () => {
        const r = route(["route.request.header.Auth"]);
        const p = parts({ Auth: "t" });
        expect(await authorizeConnect(r, connection(), p, context(allow("Deny")))).to.equal(403);
        const failing = (errorMessage: string): InvokeOutcome => ({
            ok: false,
            durationMs: 1,
            error: { errorType: "Error", errorMessage },
        });
        expect(await authorizeConnect(r, connection(), p, context(failing("Unauthorized")))).to.equal(401);
        expect(await authorizeConnect(r, connection(), p, context(failing("boom")))).to.equal(500);
    });

    it("answers 500 and says why when API Gateway may not invoke the authorizer function", async () => {
        const ctx = context(allow("Allow"), false);
        expect(await authorizeConnect(route(["route.request.header.Auth"]), connection(), parts({ Auth: "t" }), ctx)).to.equal(500);
        expect(ctx.events).to.deep.equal([]);
        expect(ctx.logs.join("\n")).to.include(`no lambda.Permission for ${EXECUTION_ARN}/authorizers/auth1`);
    });

    it("refuses an unsigned request to an AWS_IAM route with 403 and lets a signed one through", async () => {
        const iam: RouteSpec = { routeKey: "$connect", twoWay: false, authorizationType: "AWS_IAM" };
        const ctx = context(allow("Allow"));
        expect(await authorizeConnect(iam, connection(), parts({}), ctx)).to.equal(403);
        expect(await authorizeConnect(iam, connection(), parts({ Authorization: "AWS4-HMAC-SHA256 …" }), ctx)).to.equal(undefined);
        expect(await authorizeConnect(iam, connection(), parts({}, { "X-Amz-Signature": "abc" }), ctx)).to.equal(undefined);
    });
});
