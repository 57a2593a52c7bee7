import { expect } from "chai";
import { policyAllows, wildcardMatches, type PolicyDocument } from "../../../local/graph/iam";

const CONNECT_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect";

describe("IAM wildcard matching", () => {
    const cases: [title: string, rows: [pattern: string, value: string, matches: boolean, why?: string][]][] = [
        [
            "lets * stand for any run of characters, the empty run included",
            [
                ["*", "", true],
                ["*", "anything:at/all", true],
                ["arn:aws:s3:::logs-*", "arn:aws:s3:::logs-", true],
                ["arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2024/01/a.txt", true],
                ["arn:aws:execute-api:*:*:abc123/*", CONNECT_ARN, true],
                ["arn:aws:s3:::logs-*", "arn:aws:s3:::other", false],
            ],
        ],
        [
            "lets ? stand for exactly one character",
            [
                ["arn:aws:s3:::logs-?", "arn:aws:s3:::logs-a", true],
                ["arn:aws:s3:::logs-?", "arn:aws:s3:::logs-", false],
                ["arn:aws:s3:::logs-?", "arn:aws:s3:::logs-ab", false],
                ["a??c", "abbc", true],
                ["a??c", "abc", false],
            ],
        ],
        [
            "matches regular-expression metacharacters in the pattern literally",
            [
                ["arn:aws:s3:::my.bucket", "arn:aws:s3:::my.bucket", true],
                ["arn:aws:s3:::my.bucket", "arn:aws:s3:::myXbucket", false, ". is not any character"],
                [CONNECT_ARN, CONNECT_ARN, true, "$ is not end of input"],
                ["arn:aws:execute-api:*/$default", "arn:aws:execute-api:x/default", false],
                ["name(1)", "name(1)", true, "( ) are not a group"],
                ["name(1)", "name1", false],
                ["a+b", "a+b", true],
                ["a+b", "aab", false, "+ is not a repetition"],
                ["[ab]|{c}^\\", "[ab]|{c}^\\", true],
                ["[ab]", "a", false],
                ["a|b", "a", false],
            ],
        ],
        [
            "anchors the pattern at both ends",
            [
                ["s3:ObjectCreated:Put", "s3:ObjectCreated:Put", true],
                ["s3:ObjectCreated:Put", "xs3:ObjectCreated:Put", false],
                ["s3:ObjectCreated:Put", "s3:ObjectCreated:PutX", false],
                ["ObjectCreated", "s3:ObjectCreated:Put", false],
                ["*:Put", "s3:ObjectCreated:Put", true],
                ["*:Put", "s3:ObjectCreated:Post", false],
            ],
        ],
    ];
    for (const [title, rows] of cases) {
        it(title, () => {
            for (const [pattern, value, matches, why] of rows)
                expect(wildcardMatches(pattern, value), why ?? `${pattern} ~ ${value}`).to.equal(matches);
        });
    }
});

describe("IAM policy evaluation", () => {
    const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: "Allow", Action, Resource });
    const deny = (Action: string | string[], Resource: string | string[]) => ({ Effect: "Deny", Action, Resource });

    it("allows an action on a resource that an Allow statement covers", () => {
        const policy: PolicyDocument = { Statement: [allow("execute-api:Invoke", CONNECT_ARN)] };
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
        const policy: PolicyDocument = {
            Statement: [allow(["execute-api:ManageConnections", "execute-api:Invoke"], ["arn:aws:s3:::other", CONNECT_ARN])],
        };
        expect(policyAllows(policy, "execute-api:Invoke", CONNECT_ARN)).to.be.true;
        expect(policyAllows(policy, "execute-api:ManageConnections", "arn:aws:s3:::other")).to.be.true;
        expect(policyAllows(policy, "execute-api:InvalidateCache", CONNECT_ARN)).to.be.false;
        expect(policyAllows(policy, "execute-api:Invoke", "arn:aws:s3:::another")).to.be.false;
        expect(policyAllows({ Statement: [allow([], [])] }, "execute-api:Invoke", CONNECT_ARN), "empty arrays cover nothing").to.be.false;
    });

    it("matches wildcard actions and resources such as execute-api:* and …/*", () => {
        const policy: PolicyDocument = { Statement: [allow("execute-api:*", "arn:aws:execute-api:us-east-1:123456789012:abc123/*")] };
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
