import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { EchoWebSocket } from "../../components";
import { expectLeastPrivilege, leastPrivilegeFindings, recordGraph } from "../../testing";

describe("the ./testing checks for a user's own graph", () => {
    it("find nothing in a stack built with the components", async () => {
        const graph = await recordGraph(() => new EchoWebSocket("echo"));
        expect(leastPrivilegeFindings(graph)).to.deep.equal([]);
        expectLeastPrivilege(graph);
    });

    it("name each breach with its checklist id and the fix", async function () {
        this.timeout(60_000);
        const graph = await recordGraph(() => {
            const role = new aws.iam.Role("wide", {
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            });
            new aws.iam.RolePolicy("wide", {
                role: role.name,
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: "dynamodb:*", Resource: "arn:aws:dynamodb:us-east-1:000000000000:table/t" },
                        { Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" },
                        { Effect: "Deny", Action: "*", Resource: "*" },
                    ],
                }),
            });
            new aws.iam.RolePolicyAttachment("admin", { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" });
            // A function without a log group of its own.
            const fn = new aws.lambda.Function("bare", {
                role: role.arn,
                runtime: "nodejs22.x",
                handler: "index.handler",
                code: new pulumi.asset.AssetArchive({}),
            });
            new aws.lambda.Permission("open", {
                function: fn.name,
                action: "lambda:InvokeFunction",
                principal: "apigateway.amazonaws.com",
            });
            new aws.lambda.Permission("s3", {
                function: fn.name,
                action: "lambda:InvokeFunction",
                principal: "s3.amazonaws.com",
                sourceArn: "arn:aws:s3:::b",
            });
        });
        expect(leastPrivilegeFindings(graph)).to.deep.equal([
            'I1: wide allows every action of "dynamodb:*"; name the actions it needs',
            'I1: wide allows s3:GetObject on every resource ("*"); name the ARNs',
            "I2: admin attaches arn:aws:iam::aws:policy/AmazonS3FullAccess; grant what the role needs inline instead",
            "I3: role wide sets inlinePolicies or managedPolicyArns; manage its policies with RolePolicy resources only",
            "L1: permission open lets apigateway.amazonaws.com invoke from any source; set sourceArn",
            "L1: permission s3 for S3 has no sourceAccount; set the bucket owner's account",
            "L3: function bare logs to no log group of its own with a retention; give it one (loggingConfig.logGroup)",
        ]);
        expect(() => expectLeastPrivilege(graph)).to.throw(/^least privilege does not hold:\n {2}I1: wide allows every action/);
    });
});
