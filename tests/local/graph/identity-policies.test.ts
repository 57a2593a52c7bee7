import { expect } from "chai";
import { functionIdentities } from "../../../local/graph/identity-policies";
import { decideAll } from "../../../local/graph/policies";
import { ResourceGraph } from "../../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../../local/record/resource-types";
import type { RecordedProgram, RecordedResource } from "../../../local/record/record-program";
import { recorded } from "../../support/local";
import { ROOT } from "../../support/record";

describe("IAM: each function's identity policies, from the graph", () => {
    let program: RecordedProgram;
    let graph: ResourceGraph;
    before(async () => {
        program = await recorded(ROOT);
        graph = new ResourceGraph(program);
    });
    const physical = (prefix: string) =>
        String(
            graph
                .ofType(RESOURCE_TYPES.function)
                .find((r) => String(r.state.name).startsWith(prefix) && !String(r.state.name).includes("worker"))!.state.name,
        );
    const tableArn = (output: string) =>
        String(graph.ofType(RESOURCE_TYPES.table).find((t) => t.state.name === program.outputs[output])!.state.arn);
    it("gives the fan-out's role what its inline policy grants, and nothing more", () => {
        const { byFunction, unsupported } = functionIdentities(graph, ["aws:SourceArn"]);
        expect(unsupported, "index.ts uses nothing the local evaluation lacks").to.deep.equal([]);
        const fanout = byFunction.get(physical("broadcast-fanout"))!;
        expect(fanout.roleArn).to.match(/^arn:aws:iam::\d{12}:role\//);
        const subscriptions = tableArn("subscriptionsTableName");
        const connections = tableArn("connectionsTableName");
        expect(decideAll(fanout.policies, { action: "dynamodb:Query", resource: subscriptions })).to.equal("Allow");
        expect(decideAll(fanout.policies, { action: "dynamodb:DeleteItem", resource: connections })).to.equal("Allow");
        expect(decideAll(fanout.policies, { action: "dynamodb:Scan", resource: connections }), "it reads channels, never scans").to.equal(
            "ImplicitDeny",
        );
        expect(decideAll(fanout.policies, { action: "dynamodb:DeleteTable", resource: connections })).to.equal("ImplicitDeny");
        expect(decideAll(fanout.policies, { action: "dynamodb:Query", resource: `${subscriptions}-other` })).to.equal("ImplicitDeny");
        const echo = byFunction.get(physical("echo-test"))!;
        expect(
            decideAll(echo.policies, { action: "dynamodb:Query", resource: subscriptions }),
            "the echo function has no DynamoDB grant",
        ).to.equal("ImplicitDeny");
    });

    it("reads attached customer managed policies and the role's own inline ones, and reports an AWS managed one it cannot read", () => {
        const fn = graph.ofType(RESOURCE_TYPES.function)[0];
        const role = graph.ofType(RESOURCE_TYPES.role).find((r) => r.state.arn === fn.inputs.role)!;
        const extra = (
            type: string,
            name: string,
            inputs: RecordedResource["inputs"],
            state: RecordedResource["state"] = {},
        ): RecordedResource => ({
            ...fn,
            type,
            name,
            urn: `urn:pulumi:dev::test::${type}::${name}`,
            id: name,
            inputs,
            state,
        });
        const allowTopic = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sns:Publish", Resource: "*" }] });
        const denyScan = { Statement: [{ Effect: "Deny", Action: "dynamodb:Scan", Resource: "*" }] };
        const patched = new ResourceGraph({
            ...program,
            resources: [
                ...program.resources.map((r) =>
                    r === role ? { ...r, inputs: { ...r.inputs, inlinePolicies: [{ name: "deny", policy: denyScan }] } } : r,
                ),
                extra(RESOURCE_TYPES.policy, "topics", { policy: allowTopic }, { arn: "arn:aws:iam::000000000000:policy/topics" }),
                extra(RESOURCE_TYPES.attachment, "attach-topics", {
                    role: String(role.state.name),
                    policyArn: "arn:aws:iam::000000000000:policy/topics",
                }),
                extra(RESOURCE_TYPES.attachment, "attach-aws", {
                    role: String(role.state.name),
                    policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                }),
            ],
        });
        const { byFunction, unsupported } = functionIdentities(patched, []);
        const identity = byFunction.get(String(fn.state.name))!;
        expect(decideAll(identity.policies, { action: "sns:Publish", resource: "arn:aws:sns:us-east-1:1:t" })).to.equal("Allow");
        expect(decideAll(identity.policies, { action: "dynamodb:Scan", resource: "arn:aws:dynamodb:us-east-1:1:table/t" })).to.equal(
            "ExplicitDeny",
        );
        expect(unsupported).to.deep.equal([
            `IAM: role ${role.name} attaches arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, whose document the local cloud cannot read; it grants nothing locally`,
        ]);
    });
});
