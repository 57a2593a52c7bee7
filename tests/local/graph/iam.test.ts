import { expect } from "chai";
import { wildcardMatches } from "../../../local/graph/iam";

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
