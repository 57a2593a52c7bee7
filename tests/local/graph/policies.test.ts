import { expect } from "chai";
import { compilePolicy, decideAll, policyAllows, type AuthorizationRequest } from "../../../local/graph/policies";

const TABLE = "arn:aws:dynamodb:us-east-1:000000000000:table/connections-1a2b3c";
const KEYS = ["aws:SourceArn", "aws:SourceAccount", "dynamodb:LeadingKeys"];
const decide = (document: unknown, request: AuthorizationRequest) => compilePolicy(document, "test", KEYS).policy.decide(request);
const policy = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });

describe("IAM policy evaluation, compiled", () => {
    it("allows what an Allow covers, action names case-insensitively, resources case-sensitively", () => {
        const p = policy({ Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:Get*"], Resource: TABLE });
        expect(decide(p, { action: "dynamodb:putitem", resource: TABLE })).to.equal("Allow");
        expect(decide(p, { action: "dynamodb:GetItem", resource: TABLE })).to.equal("Allow");
        expect(decide(p, { action: "dynamodb:DeleteItem", resource: TABLE })).to.equal("ImplicitDeny");
        expect(decide(p, { action: "dynamodb:PutItem", resource: TABLE.toUpperCase() })).to.equal("ImplicitDeny");
    });

    it("lets an explicit Deny win over any Allow, in one policy or across a principal's policies", () => {
        const allow = { Effect: "Allow", Action: "dynamodb:*", Resource: "*" };
        const deny = { Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: TABLE };
        expect(decide(policy(allow, deny), { action: "dynamodb:DeleteItem", resource: TABLE })).to.equal("ExplicitDeny");
        expect(decide(policy(allow, deny), { action: "dynamodb:Query", resource: TABLE })).to.equal("Allow");
        const [a, d] = [policy(allow), policy(deny)].map((doc) => compilePolicy(doc, "p", KEYS).policy);
        expect(decideAll([a, d], { action: "dynamodb:DeleteItem", resource: TABLE })).to.equal("ExplicitDeny");
        expect(decideAll([a, d], { action: "dynamodb:Scan", resource: TABLE })).to.equal("Allow");
        expect(decideAll([], { action: "dynamodb:Scan", resource: TABLE })).to.equal("ImplicitDeny");
    });

    it("matches a wildcard resource as AWS does and no further: * spans slashes, ? one character", () => {
        const p = policy({ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::bucket/uploads/*" });
        expect(decide(p, { action: "s3:PutObject", resource: "arn:aws:s3:::bucket/uploads/a/b.txt" })).to.equal("Allow");
        expect(decide(p, { action: "s3:PutObject", resource: "arn:aws:s3:::bucket/uploads" })).to.equal("ImplicitDeny");
        expect(decide(p, { action: "s3:PutObject", resource: "arn:aws:s3:::bucket-2/uploads/a" })).to.equal("ImplicitDeny");
        const one = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/file?.txt" });
        expect(decide(one, { action: "s3:GetObject", resource: "arn:aws:s3:::b/file1.txt" })).to.equal("Allow");
        expect(decide(one, { action: "s3:GetObject", resource: "arn:aws:s3:::b/file12.txt" })).to.equal("ImplicitDeny");
    });

    it("reads NotAction and NotResource as everything but the listed ones", () => {
        const p = policy({ Effect: "Allow", NotAction: "dynamodb:DeleteTable", NotResource: "arn:aws:dynamodb:*:*:table/audit" });
        expect(decide(p, { action: "dynamodb:PutItem", resource: TABLE })).to.equal("Allow");
        expect(decide(p, { action: "dynamodb:DeleteTable", resource: TABLE })).to.equal("ImplicitDeny");
        expect(decide(p, { action: "dynamodb:PutItem", resource: "arn:aws:dynamodb:us-east-1:1:table/audit" })).to.equal("ImplicitDeny");
    });

    it("evaluates conditions: every key, any value; a missing key fails unless negated or IfExists; Null; set operators", () => {
        const source = "arn:aws:execute-api:us-east-1:000000000000:abc/*/$connect";
        const p = policy({
            Effect: "Allow",
            Action: "lambda:InvokeFunction",
            Resource: "*",
            Condition: { ArnLike: { "aws:SourceArn": source }, StringEquals: { "aws:SourceAccount": ["000000000000", "111111111111"] } },
        });
        const request = (context: AuthorizationRequest["context"]) => ({ action: "lambda:InvokeFunction", resource: "fn", context });
        expect(
            decide(
                p,
                request({
                    "aws:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/dev/$connect",
                    "aws:sourceaccount": "111111111111",
                }),
            ),
        ).to.equal("Allow");
        expect(
            decide(
                p,
                request({
                    "aws:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:xyz/dev/$connect",
                    "aws:SourceAccount": "000000000000",
                }),
            ),
        ).to.equal("ImplicitDeny");
        expect(
            decide(p, request({ "aws:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/dev/$connect" })),
            "a missing key",
        ).to.equal("ImplicitDeny");
        const negated = policy({
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: { StringNotEquals: { "aws:SourceAccount": "000000000000" } },
        });
        expect(decide(negated, request({})), "negated operator, key missing: holds").to.equal("ExplicitDeny");
        const ifExists = policy({
            Effect: "Allow",
            Action: "*",
            Resource: "*",
            Condition: { StringEqualsIfExists: { "aws:SourceAccount": "1" } },
        });
        expect(decide(ifExists, request({}))).to.equal("Allow");
        expect(decide(ifExists, request({ "aws:SourceAccount": "2" }))).to.equal("ImplicitDeny");
        const isNull = policy({ Effect: "Allow", Action: "*", Resource: "*", Condition: { Null: { "aws:SourceArn": "true" } } });
        expect(decide(isNull, request({}))).to.equal("Allow");
        expect(decide(isNull, request({ "aws:SourceArn": "x" }))).to.equal("ImplicitDeny");
        const all = policy({
            Effect: "Allow",
            Action: "*",
            Resource: "*",
            Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["user-1#*"] } },
        });
        expect(decide(all, request({ "dynamodb:LeadingKeys": ["user-1#a", "user-1#b"] }))).to.equal("Allow");
        expect(decide(all, request({ "dynamodb:LeadingKeys": ["user-1#a", "user-2#b"] }))).to.equal("ImplicitDeny");
    });

    it("matches resource-policy principals: *, an ARN or a service, a partial wildcard only as written (and reported)", () => {
        const p = policy({
            Effect: "Allow",
            Principal: { Service: "apigateway.amazonaws.com" },
            Action: "lambda:InvokeFunction",
            Resource: "fn",
        });
        expect(decide(p, { action: "lambda:InvokeFunction", resource: "fn", principal: "apigateway.amazonaws.com" })).to.equal("Allow");
        expect(decide(p, { action: "lambda:InvokeFunction", resource: "fn", principal: "s3.amazonaws.com" })).to.equal("ImplicitDeny");
        expect(decide(p, { action: "lambda:InvokeFunction", resource: "fn" })).to.equal("ImplicitDeny");
        const everyone = policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" });
        expect(decide(everyone, { action: "s3:GetObject", resource: "o", principal: "arn:aws:iam::1:role/r" })).to.equal("Allow");
        const partial = compilePolicy(
            policy({
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::000000000000:role/admin-*" },
                Action: "s3:GetObject",
                Resource: "*",
            }),
            "bucket",
            KEYS,
        );
        expect(
            partial.policy.decide({ action: "s3:GetObject", resource: "o", principal: "arn:aws:iam::000000000000:role/admin-1" }),
        ).to.equal("ImplicitDeny");
        expect(partial.unsupported).to.deep.equal([
            "bucket statement 1: principal arn:aws:iam::000000000000:role/admin-* has a partial wildcard, which AWS refuses (MalformedPolicy); it is matched as written",
        ]);
    });

    it("exempts a caller from a Deny with NotPrincipal only when its session, its role and its account are all listed", () => {
        const role = "arn:aws:iam::000000000000:role/admin";
        const session = "arn:aws:sts::000000000000:assumed-role/admin/admin";
        const caller = { action: "s3:GetObject", resource: "o", principal: [role, session], principalAccount: "000000000000" };
        const denyAllBut = (...names: string[]) => policy({ Effect: "Deny", NotPrincipal: { AWS: names }, Action: "*", Resource: "*" });
        expect(decide(denyAllBut(session, role, "arn:aws:iam::000000000000:root"), caller)).to.equal("ImplicitDeny");
        expect(decide(denyAllBut(role), caller), "the role alone: the session and the account are still denied").to.equal("ExplicitDeny");
        expect(decide(denyAllBut(session, role), caller), "without the account").to.equal("ExplicitDeny");
        expect(
            decide(denyAllBut(session, role, "000000000000"), {
                ...caller,
                principal: [role, "arn:aws:sts::000000000000:assumed-role/admin/other"],
            }),
        ).to.equal("ExplicitDeny");
    });

    it("matches any of the caller's ARNs; an account principal refuses with Deny but grants nothing by itself", () => {
        const role = "arn:aws:iam::000000000000:role/worker";
        const session = "arn:aws:sts::000000000000:assumed-role/worker/worker";
        const caller = { principal: [role, session], principalAccount: "000000000000" };
        for (const named of [role, session]) {
            const allow = policy({ Effect: "Allow", Principal: { AWS: named }, Action: "s3:GetObject", Resource: "*" });
            expect(decide(allow, { action: "s3:GetObject", resource: "o", ...caller }), named).to.equal("Allow");
        }
        for (const account of ["000000000000", "arn:aws:iam::000000000000:root"]) {
            const allow = policy({ Effect: "Allow", Principal: { AWS: account }, Action: "s3:GetObject", Resource: "*" });
            expect(decide(allow, { action: "s3:GetObject", resource: "o", ...caller }), account).to.equal("ImplicitDeny");
            const deny = policy({ Effect: "Deny", Principal: { AWS: [account] }, Action: "s3:GetObject", Resource: "*" });
            expect(decide(deny, { action: "s3:GetObject", resource: "o", ...caller }), account).to.equal("ExplicitDeny");
            expect(decide(deny, { action: "s3:GetObject", resource: "o", ...caller, principalAccount: "111111111111" })).to.equal(
                "ImplicitDeny",
            );
        }
    });

    it("reads a negated operator under a set prefix value by value, as AWS does", () => {
        const set = (operator: string, values: string[] | undefined) =>
            decide(policy({ Effect: "Allow", Action: "*", Resource: "*", Condition: { [operator]: { "dynamodb:LeadingKeys": ["a"] } } }), {
                action: "x",
                resource: "y",
                context: { "dynamodb:LeadingKeys": values },
            });
        expect(set("ForAllValues:StringNotEquals", ["a", "b"]), "a is excluded").to.equal("ImplicitDeny");
        expect(set("ForAllValues:StringNotEquals", ["b", "c"])).to.equal("Allow");
        expect(set("ForAnyValue:StringNotEquals", ["a", "b"]), "b is not a").to.equal("Allow");
        expect(set("ForAnyValue:StringNotEquals", ["a"])).to.equal("ImplicitDeny");
        expect(set("ForAnyValue:StringNotEquals", undefined), "an absent set: ForAnyValue is false").to.equal("ImplicitDeny");
        expect(set("ForAnyValue:StringNotEqualsIfExists", undefined)).to.equal("Allow");
        expect(set("ForAllValues:StringEquals", undefined), "an absent set: ForAllValues is true").to.equal("Allow");
        expect(set("ForAllValues:StringEquals", []), "an empty one too").to.equal("Allow");
        expect(set("StringNotEquals", ["b", "c"])).to.equal("Allow");
        expect(set("StringNotEquals", ["a", "c"]), "a single-valued negation: no value may match").to.equal("ImplicitDeny");
    });

    it("reports policy variables in conditions", () => {
        const { unsupported } = compilePolicy(
            policy({
                Effect: "Allow",
                Action: "*",
                Resource: "*",
                Condition: { StringEquals: { "dynamodb:LeadingKeys": "${aws:userid}" } },
            }),
            "home",
            KEYS,
        );
        expect(unsupported).to.deep.equal([
            "home statement 1: policy variables (${aws:userid}) in condition dynamodb:LeadingKeys are not substituted locally; matched as written",
        ]);
    });

    it("lets * in a resource span any character, a newline in a key included, and reports policy variables", () => {
        const p = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
        expect(decide(p, { action: "s3:GetObject", resource: "arn:aws:s3:::b/line\nbreak" })).to.equal("Allow");
        const variable = compilePolicy(
            policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${aws:userid}/*" }),
            "home",
            KEYS,
        );
        expect(variable.unsupported).to.deep.equal([
            "home statement 1: policy variables (arn:aws:s3:::b/${aws:userid}/*) are not substituted locally; the pattern is matched as written",
        ]);
    });

    it("reports, once, what it does not evaluate, and never lets a broken statement allow", () => {
        const { policy: compiled, unsupported } = compilePolicy(
            JSON.stringify(
                policy(
                    { Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } },
                    { Effect: "Allow", Action: "s3:PutObject", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
                    { Effect: "Maybe", Action: "*", Resource: "*" },
                    "not a statement",
                ),
            ),
            "role-policy web",
            KEYS,
        );
        expect(unsupported).to.deep.equal([
            "role-policy web statement 1: condition aws:SourceVpce is not evaluated locally",
            "role-policy web statement 2: condition operator IpAddress is not evaluated locally",
            'role-policy web statement 3: Effect "Maybe" is neither Allow nor Deny, so it applies to nothing',
            "role-policy web statement 4: not an object, so it applies to nothing",
        ]);
        expect(compiled.decide({ action: "s3:GetObject", resource: "x" }), "the unevaluated condition is treated as met").to.equal("Allow");
        expect(compiled.decide({ action: "s3:DeleteObject", resource: "x" })).to.equal("ImplicitDeny");
        expect(compilePolicy("{not json", "p", KEYS).unsupported).to.deep.equal(["p: not JSON, so it allows nothing"]);
        expect(
            compilePolicy({ Statement: { Effect: "Allow", Resource: "*" } }, "p", KEYS).policy.decide({ action: "a:b", resource: "r" }),
            "no Action",
        ).to.equal("ImplicitDeny");
    });
});

describe("a Lambda authorizer's policy document, as API Gateway reads it", () => {
    const CONNECT_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect";
    const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: "Allow", Action, Resource });
    const deny = (Action: string | string[], Resource: string | string[]) => ({ Effect: "Deny", Action, Resource });

    it("allows an action on a resource that an Allow statement covers", () => {
        const policy = { Statement: [allow("execute-api:Invoke", CONNECT_ARN)] };
        expect(policyAllows(policy, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows(policy, "execute-api:ManageConnections", CONNECT_ARN), "another action").to.be.false;
        expect(policyAllows(policy, "execute-api:Invoke", `${CONNECT_ARN}x`), "another resource").to.be.false;
    });

    it("needs the Allow effect: a statement without Effect, or with another one, allows nothing", () => {
        expect(policyAllows({ Statement: [{ Action: "*", Resource: "*" }] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(policyAllows({ Statement: [{ Effect: "Permit", Action: "*", Resource: "*" }] }, "execute-api:Invoke", CONNECT_ARN)).to.be
            .false;
    });

    it("needs both Action and Resource: a statement missing either covers nothing", () => {
        expect(policyAllows({ Statement: [{ Effect: "Allow", Action: "*" }] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(policyAllows({ Statement: [{ Effect: "Allow", Resource: "*" }] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
    });

    it("lets a covering Deny win over any Allow, whatever the order", () => {
        const denied = deny("execute-api:Invoke", "arn:aws:execute-api:*:*:abc123/*/$connect");
        const allowed = allow("execute-api:*", "*");
        expect(policyAllows({ Statement: [allowed, denied] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(policyAllows({ Statement: [denied, allowed] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(
            policyAllows({ Statement: [allowed, denied] }, "execute-api:Invoke", CONNECT_ARN.replace("$connect", "$default")),
            "a Deny that does not cover the request leaves the Allow standing",
        ).to.be.true;
    });

    it("accepts Action and Resource as a string or as an array of which any entry may match", () => {
        const policy = {
            Statement: [allow(["execute-api:ManageConnections", "execute-api:Invoke"], ["arn:aws:s3:::other", CONNECT_ARN])],
        };
        expect(policyAllows(policy, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows(policy, "execute-api:ManageConnections", "arn:aws:s3:::other")).to.be.true;
        expect(policyAllows(policy, "execute-api:InvalidateCache", CONNECT_ARN)).to.be.false;
        expect(policyAllows(policy, "execute-api:Invoke", "arn:aws:s3:::another")).to.be.false;
        expect(policyAllows({ Statement: [allow([], [])] }, "execute-api:Invoke", CONNECT_ARN), "empty arrays cover nothing").to.be.false;
    });

    it("matches wildcard actions and resources such as execute-api:* and …/*", () => {
        const policy = { Statement: [allow("execute-api:*", "arn:aws:execute-api:us-east-1:123456789012:abc123/*")] };
        expect(policyAllows(policy, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows(policy, "execute-api:ManageConnections", CONNECT_ARN)).to.be.true;
        expect(policyAllows(policy, "lambda:InvokeFunction", CONNECT_ARN), "another service").to.be.false;
        expect(policyAllows(policy, "execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:other/prod/$connect")).to.be.false;
    });

    it("allows nothing without statements or without a policy", () => {
        expect(policyAllows({ Statement: [] }, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(policyAllows({}, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
        expect(policyAllows(undefined, "execute-api:Invoke", CONNECT_ARN)).to.be.false;
    });

    // IAM: "The prefix and the action name are case insensitive" (IAM JSON policy elements: Action); ARNs are not.
    it("compares action names case-insensitively, as IAM does, but resources case-sensitively", () => {
        expect(policyAllows({ Statement: [allow("execute-api:invoke", CONNECT_ARN)] }, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows({ Statement: [allow("EXECUTE-API:*", CONNECT_ARN)] }, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows({ Statement: [allow("execute-api:Invoke", CONNECT_ARN.toUpperCase())] }, "execute-api:Invoke", CONNECT_ARN)).to
            .be.false;
    });
});
