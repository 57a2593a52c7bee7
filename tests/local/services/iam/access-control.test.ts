import { expect } from "chai";
import { ResourceGraph } from "../../../../local/graph/resource-graph";
import type { RecordedProgram } from "../../../../local/record/record-program";
import { RESOURCE_TYPES } from "../../../../local/record/resource-types";
import { functionCredentials } from "../../../../local/services/credentials";
import { AccessControl, deniedMessage, type Caller } from "../../../../local/services/iam/access-control";
import { ACCOUNT, recordIamProgram, REGION, tableArn } from "../../../support/iam-program";

const signedBy = (fn: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=${functionCredentials(fn).accessKeyId}/20261202/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=00`,
});

describe("IAM on the local cloud: who calls, and what its role and the resource allow", () => {
    let program: RecordedProgram;
    let access: AccessControl;
    const denials: string[] = [];
    let worker: Caller;
    let bare: Caller;
    before(async () => {
        program = await recordIamProgram();
        access = AccessControl.fromGraph(new ResourceGraph(program), {
            enforced: true,
            accountId: ACCOUNT,
            region: REGION,
            log: (line) => denials.push(line),
        });
        worker = access.callerOf(signedBy("worker"))!;
        bare = access.callerOf(signedBy("bare"))!;
    });

    it("knows a function by the key it signs with, in a header or a presigned URL, and no one else", () => {
        expect(worker).to.include({
            functionName: "worker",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/worker`,
            sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/worker/worker`,
        });
        const presigned = new URLSearchParams({
            "X-Amz-Credential": `${functionCredentials("bare").accessKeyId}/20261202/${REGION}/s3/aws4_request`,
        });
        expect(access.callerOf({}, presigned)?.functionName).to.equal("bare");
        expect(access.callerOf({ authorization: "AWS4-HMAC-SHA256 Credential=S3RVER/20261202/us-east-1/s3/aws4_request" })).to.equal(
            undefined,
        );
        expect(access.callerOf({})).to.equal(undefined);
        expect(access.callerOf({ authorization: "Credential=" })).to.equal(undefined);
        expect(access.check(undefined, [{ action: "dynamodb:DeleteTable", resource: "*" }]), "the operator's calls").to.equal(undefined);
    });

    it("allows what the role allows, lets a Deny win over an Allow, and denies what nothing allows", () => {
        expect(access.check(worker, [{ action: "dynamodb:PutItem", resource: tableArn("data") }])).to.equal(undefined);
        expect(access.check(worker, [{ action: "dynamodb:DeleteItem", resource: tableArn("data") }])).to.include({
            reason: "identity-deny",
        });
        expect(access.check(worker, [{ action: "dynamodb:PutItem", resource: tableArn("audit") }])).to.include({ reason: "implicit" });
        expect(access.check(bare, [{ action: "dynamodb:GetItem", resource: tableArn("data") }]), "no policy at all").to.include({
            reason: "implicit",
        });
        const both = access.check(worker, [
            { action: "dynamodb:PutItem", resource: tableArn("data") },
            { action: "dynamodb:PutItem", resource: tableArn("other") },
        ]);
        expect(both?.resource, "a batch is denied by its first refused request").to.equal(tableArn("other"));
    });

    it("matches a wildcard resource as AWS does: the prefix, case-sensitively, and nothing before it", () => {
        const get = (table: string) => access.check(worker, [{ action: "dynamodb:GetItem", resource: tableArn(table) }]);
        expect(get("logs-2026")).to.equal(undefined);
        expect(get("logs-")).to.equal(undefined);
        expect(get("logs")).to.not.equal(undefined);
        expect(get("Logs-2026")).to.not.equal(undefined);
        expect(
            access.check(worker, [{ action: "dynamodb:GetItem", resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/x/logs-1` }]),
        ).to.not.equal(undefined);
    });

    it("lets a bucket policy allow what the role does not, and its Deny refuse what the role allows", () => {
        const policy = access.bucketPolicyOf();
        const object = (key: string) => `arn:aws:s3:::files/${key}`;
        expect(access.check(worker, [{ action: "s3:GetObject", resource: object("shared/a") }], policy)).to.equal(undefined);
        expect(access.check(bare, [{ action: "s3:GetObject", resource: object("shared/a") }], policy), "granted to worker only").to.include(
            {
                reason: "implicit",
            },
        );
        expect(access.check(worker, [{ action: "s3:PutObject", resource: object("in/a") }], policy)).to.equal(undefined);
        expect(access.check(worker, [{ action: "s3:PutObject", resource: object("in/locked/a") }], policy)).to.include({
            reason: "resource-deny",
        });
        expect(policy({ action: "s3:GetObject", resource: "arn:aws:s3:::no-such-bucket/a" }), "a bucket without a policy").to.equal(
            "ImplicitDeny",
        );
        const other = { action: "s3:GetObject", resource: "arn:aws:s3:::other/secret/a" };
        expect(access.check(worker, [other], policy), "each request by its own bucket's policy").to.include({ reason: "resource-deny" });
    });

    it("reads a function's permissions as its resource policy: a role principal allows, a service's sourceArn-scoped one does not", () => {
        const invoke = { action: "lambda:InvokeFunction", resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:target` };
        expect(access.check(worker, [invoke], access.functionPolicy("target"))).to.equal(undefined);
        expect(
            access.check(worker, [invoke], access.functionPolicy(`${invoke.resource}:$LATEST`)),
            "the policy of the function a qualified ARN names",
        ).to.equal(undefined);
        expect(access.functionPolicy("arn:aws:lambda:us-east-1:000000000000:function:nope"), "no such function").to.equal(undefined);
        expect(access.check(bare, [invoke], access.functionPolicy("target"))).to.include({ reason: "implicit" });
    });

    it("words a denial as IAM does, naming the session, the action, the resource and why", () => {
        const denial = access.check(worker, [{ action: "dynamodb:PutItem", resource: tableArn("audit") }])!;
        expect(deniedMessage(denial)).to.equal(
            `User: arn:aws:sts::${ACCOUNT}:assumed-role/worker/worker is not authorized to perform: dynamodb:PutItem on resource: ` +
                `${tableArn("audit")} because no identity-based policy allows the dynamodb:PutItem action`,
        );
        const deny = access.check(worker, [{ action: "dynamodb:DeleteItem", resource: tableArn("data") }])!;
        expect(deniedMessage(deny, "shown")).to.match(/on resource: shown with an explicit deny in an identity-based policy$/);
        expect(denials).to.include(`IAM: denied → worker dynamodb:PutItem on ${tableArn("audit")} (no policy allows it)`);
    });

    it("reports what it does not evaluate once, at start, and with enforcement off allows everything and reports nothing", () => {
        const role = program.resources.find((r) => r.type === RESOURCE_TYPES.rolePolicy && r.name === "worker")!;
        const condition = { StringEquals: { "aws:SourceVpce": "vpce-1" } };
        const policy = JSON.parse(String(role.inputs.policy)) as { Statement: Record<string, unknown>[] };
        const patched = {
            ...program,
            resources: program.resources.map((r) =>
                r === role
                    ? {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              policy: JSON.stringify({
                                  Statement: [...policy.Statement, { ...policy.Statement[0], Condition: condition }],
                              }),
                          },
                      }
                    : r,
            ),
        };
        const graph = new ResourceGraph(patched);
        const reported = AccessControl.fromGraph(graph, { enforced: true, accountId: ACCOUNT, region: REGION }).unsupported;
        expect(reported).to.deep.equal(["IAM: role policy worker statement 7: condition aws:SourceVpce is not evaluated locally"]);
        const off = AccessControl.fromGraph(graph, { enforced: false, accountId: ACCOUNT, region: REGION });
        expect(off.unsupported).to.deep.equal([]);
        expect(off.callerOf(signedBy("bare"))).to.equal(undefined);
    });

    it("refuses a failure queue the role may not send to, as Lambda refuses it when the function is deployed", () => {
        const graph = new ResourceGraph(program);
        const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:failed`;
        const functions = graph
            .functions()
            .map((fn) => (fn.name === "bare" ? { ...fn, onFailure: [{ kind: "dead-letter-queue" as const, arn: queue }] } : fn));
        const [problem, ...rest] = access.failureQueueProblems(functions);
        expect(rest).to.deep.equal([]);
        expect(problem).to.include("Function bare: InvalidParameterValueException").and.include(queue).and.include("sqs:SendMessage");
        expect(
            AccessControl.fromGraph(graph, { enforced: false, accountId: ACCOUNT, region: REGION }).failureQueueProblems(functions),
        ).to.deep.equal([]);
    });
});
