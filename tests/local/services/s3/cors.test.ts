import { expect } from "chai";
import type { CorsRuleSpec } from "../../../../local/graph/specs";
import { corsXml, preflightHeaders, validateCorsRules } from "../../../../local/services/s3/cors";

const PAGE = "http://127.0.0.1:8080";
const rule = (made: Partial<CorsRuleSpec>): CorsRuleSpec => ({
    allowedMethods: ["PUT"],
    allowedOrigins: [PAGE],
    allowedHeaders: [],
    exposeHeaders: [],
    ...made,
});
const VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

describe("S3 CORS rules", () => {
    describe("the configuration document s3rver stores", () => {
        it("writes every field of each rule in S3's element names, in order, escaping XML", () => {
            const xml = corsXml([
                rule({
                    id: "uploads",
                    allowedMethods: ["PUT", "POST"],
                    allowedOrigins: ["http://a.example", "https://*.b.example"],
                    allowedHeaders: ["content-type", "x-amz-*"],
                    exposeHeaders: ["ETag"],
                    maxAgeSeconds: 600,
                }),
                rule({ allowedMethods: ["GET"], allowedOrigins: ["http://x.example/?a=1&b=<2>"] }),
            ]);
            expect(xml).to.equal(
                "<CORSConfiguration>" +
                    "<CORSRule><ID>uploads</ID><AllowedOrigin>http://a.example</AllowedOrigin><AllowedOrigin>https://*.b.example</AllowedOrigin>" +
                    "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>" +
                    "<AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>" +
                    "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>" +
                    "<CORSRule><AllowedOrigin>http://x.example/?a=1&amp;b=&lt;2&gt;</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>" +
                    "</CORSConfiguration>",
            );
        });
    });

    describe("validation (what PutBucketCors refuses)", () => {
        const refused = (rules: CorsRuleSpec[]) => {
            try {
                validateCorsRules("uploads-1a2b", rules);
            } catch (err) {
                return (err as Error).message;
            }
            return undefined;
        };

        it("passes a valid configuration and none", () => {
            expect(refused([rule({ allowedHeaders: ["*"] }), rule({ allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"] })])).to.equal(
                undefined,
            );
            expect(refused([])).to.equal(undefined);
        });

        it("refuses a method S3 does not take, naming the bucket, the rule and the method", () => {
            expect(refused([rule({ id: "up", allowedMethods: ["PATCH"] })])).to.equal(
                "Bucket uploads-1a2b's CORS configuration: rule up allows PATCH; S3 takes only GET, PUT, POST, DELETE, HEAD.",
            );
        });

        it("refuses a rule without origins or methods, and a pattern with two wildcards", () => {
            expect(refused([rule({}), rule({ allowedOrigins: [] })])).to.match(/rule 2 needs at least one allowed origin/);
            expect(refused([rule({ allowedMethods: [] })])).to.match(/rule 1 needs at least one allowed origin and one allowed method/);
            expect(refused([rule({ allowedOrigins: ["http://*.*.example"] })])).to.match(/"http:\/\/\*\.\*\.example" has more than one \*/);
            expect(refused([rule({ allowedHeaders: ["*-*"] })])).to.match(/"\*-\*" has more than one \*/);
        });

        it("refuses more than 100 rules", () => {
            expect(refused(Array.from({ length: 101 }, () => rule({})))).to.match(/101 rules; S3 allows 100\./);
        });
    });

    describe("preflight evaluation", () => {
        it("answers a preflight a rule allows with the request's origin, credentials, the rule's methods, the asked headers, Expose-Headers and Max-Age", () => {
            const rules = [
                rule({ allowedMethods: ["PUT", "GET"], allowedHeaders: ["Content-Type"], exposeHeaders: ["ETag"], maxAgeSeconds: 300 }),
            ];
            expect(preflightHeaders(rules, { origin: PAGE, method: "PUT", headers: ["Content-Type"] })).to.deep.equal({
                "Access-Control-Allow-Origin": PAGE,
                "Access-Control-Allow-Methods": "PUT, GET",
                "Access-Control-Allow-Headers": "content-type",
                "Access-Control-Expose-Headers": "ETag",
                "Access-Control-Max-Age": "300",
                "Access-Control-Allow-Credentials": "true",
                Vary: VARY,
            });
        });

        it("answers * without credentials for a rule allowing any origin, and leaves out what was neither asked nor set", () => {
            expect(
                preflightHeaders([rule({ allowedOrigins: ["*"] })], { origin: "http://anywhere.example", method: "PUT", headers: [""] }),
            ).to.deep.equal({ "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT", Vary: VARY });
        });

        it("refuses another origin, another method, or any asked header no rule allows", () => {
            const rules = [rule({ allowedHeaders: ["content-type"] })];
            expect(preflightHeaders(rules, { origin: "http://127.0.0.1:8081", method: "PUT", headers: [] })).to.equal(undefined);
            expect(preflightHeaders(rules, { origin: PAGE, method: "DELETE", headers: [] })).to.equal(undefined);
            expect(preflightHeaders(rules, { origin: PAGE, method: "PUT", headers: ["content-type", "x-amz-acl"] })).to.equal(undefined);
            expect(preflightHeaders([], { origin: PAGE, method: "PUT", headers: [] })).to.equal(undefined);
        });

        it("matches one * in origins and headers (headers case-insensitively), and nothing else as a pattern", () => {
            const rules = [rule({ allowedOrigins: ["http://*.example"], allowedHeaders: ["X-Amz-*"] })];
            expect(preflightHeaders(rules, { origin: "http://app.example", method: "PUT", headers: ["x-amz-meta-name"] })).to.not.equal(
                undefined,
            );
            expect(preflightHeaders(rules, { origin: "http://app.example.org", method: "PUT", headers: [] })).to.equal(undefined);
            expect(
                preflightHeaders([rule({ allowedOrigins: ["http://a.example"] })], {
                    origin: "http://aXexample",
                    method: "PUT",
                    headers: [],
                }),
            ).to.equal(undefined);
        });

        it("uses the first rule that allows origin, method and every header, as S3 does, not the first matching origin and method", () => {
            const rules = [rule({ maxAgeSeconds: 1 }), rule({ allowedHeaders: ["content-type"], maxAgeSeconds: 2 })];
            expect(
                preflightHeaders(rules, { origin: PAGE, method: "PUT", headers: ["content-type"] })?.["Access-Control-Max-Age"],
            ).to.equal("2");
            expect(preflightHeaders(rules, { origin: PAGE, method: "PUT", headers: [] })?.["Access-Control-Max-Age"]).to.equal("1");
        });
    });
});
