import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourceGraph } from "../../../../local/graph/resource-graph";
import type { BucketSpec } from "../../../../local/graph/specs";
import { RESOURCE_TYPES } from "../../../../local/record/resource-types";
import { eventually } from "../../../../local/eventually";
import { localCredentials } from "../../../../local/services/credentials";
import { S3Service, type ObjectEvent } from "../../../../local/services/s3/s3-service";
import { recordInProcess } from "../../../support/record";

/** The page's origin: another port than the local S3's, so every request from it is cross-origin. */
const PAGE = "http://127.0.0.1:8080";

/** A program with one bucket that allows PUTs from the page, as the Pulumi AWS provider v7 declares it, and one without CORS. */
function program() {
    const uploads = new aws.s3.Bucket("uploads");
    new aws.s3.BucketCorsConfiguration("uploads-cors", {
        bucket: uploads.id,
        corsRules: [
            {
                allowedMethods: ["PUT"],
                allowedOrigins: [PAGE],
                allowedHeaders: ["content-type"],
                exposeHeaders: ["ETag"],
                maxAgeSeconds: 600,
            },
            { allowedMethods: ["GET", "HEAD"], allowedOrigins: ["*"] },
        ],
    });
    new aws.s3.Bucket("plain");
}

const preflight = (url: string, origin: string, method: string, headers?: string) =>
    fetch(url, {
        method: "OPTIONS",
        headers: {
            Origin: origin,
            "Access-Control-Request-Method": method,
            ...(headers ? { "Access-Control-Request-Headers": headers } : {}),
        },
    });

describe("the local S3 (s3rver behind S3's CORS)", function () {
    this.timeout(60_000);
    let buckets: BucketSpec[];
    let uploads: string;
    let plain: string;
    let directory: string;
    let s3: S3Service;
    const events: ObjectEvent[] = [];

    before(async () => {
        buckets = (await recordInProcess(program)).bucketSpecs();
        uploads = buckets.find((b) => b.name.startsWith("uploads-"))!.name;
        plain = buckets.find((b) => b.name.startsWith("plain-"))!.name;
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "sw-s3-"));
        s3 = await S3Service.start(buckets, { port: 0, directory, onEvent: (event) => events.push(event) });
    });
    after(async () => {
        await s3?.stop();
        fs.rmSync(directory, { recursive: true, force: true });
    });

    it("reads the BucketCorsConfiguration's rules into the bucket's spec, and none for a bucket without one", () => {
        expect(buckets.find((b) => b.name === uploads)?.corsRules).to.deep.equal([
            {
                id: undefined,
                allowedMethods: ["PUT"],
                allowedOrigins: [PAGE],
                allowedHeaders: ["content-type"],
                exposeHeaders: ["ETag"],
                maxAgeSeconds: 600,
            },
            {
                id: undefined,
                allowedMethods: ["GET", "HEAD"],
                allowedOrigins: ["*"],
                allowedHeaders: [],
                exposeHeaders: [],
                maxAgeSeconds: undefined,
            },
        ]);
        expect(buckets.find((b) => b.name === plain)?.corsRules).to.deep.equal([]);
    });

    it("takes a bucket's own corsRules when no BucketCorsConfiguration names it, and refuses two configurations for one bucket", async () => {
        const graph = await recordInProcess(() => {
            new aws.s3.Bucket("inline", { corsRules: [{ allowedMethods: ["GET"], allowedOrigins: [PAGE] }] });
            const twice = new aws.s3.Bucket("twice");
            for (const name of ["twice-a", "twice-b"]) {
                new aws.s3.BucketCorsConfiguration(name, {
                    bucket: twice.bucket,
                    corsRules: [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }],
                });
            }
        });
        const inline = String(graph.ofType(RESOURCE_TYPES.bucket).find((b) => b.name === "inline")?.state.bucket);
        expect(graph.bucketSpecs.bind(graph)).to.throw(
            /^Bucket twice-[0-9a-f]+ has 2 CORS configurations \(twice-a, twice-b\); S3 keeps one per bucket\.$/,
        );
        expect(
            new ResourceGraph({ ...graph.program, resources: graph.resources.filter((r) => !r.name.startsWith("twice")) }).bucketSpecs(),
        ).to.deep.equal([
            {
                name: inline,
                corsRules: [
                    {
                        id: undefined,
                        allowedMethods: ["GET"],
                        allowedOrigins: [PAGE],
                        allowedHeaders: [],
                        exposeHeaders: [],
                        maxAgeSeconds: undefined,
                    },
                ],
            },
        ]);
    });

    it("allows a preflight the rules allow, with S3's headers", async () => {
        const res = await preflight(`${s3.endpoint}/${uploads}/uploads/a/photo.png`, PAGE, "PUT", "content-type");
        expect(res.status).to.equal(200);
        expect(Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")))).to.deep.equal({
            "access-control-allow-origin": PAGE,
            "access-control-allow-methods": "PUT",
            "access-control-allow-headers": "content-type",
            "access-control-expose-headers": "ETag",
            "access-control-max-age": "600",
            "access-control-allow-credentials": "true",
        });
        const anyone = await preflight(`${s3.endpoint}/${uploads}/x`, "http://elsewhere.example", "GET");
        expect([anyone.status, anyone.headers.get("access-control-allow-origin")]).to.deep.equal([200, "*"]);
    });

    it("refuses with 403 a preflight from another origin, for another method or asking for a header no rule allows", async () => {
        for (const [origin, method, headers] of [
            ["http://127.0.0.1:8081", "PUT", "content-type"],
            [PAGE, "DELETE", undefined],
            [PAGE, "PUT", "content-type,x-amz-acl"],
        ] as const) {
            const res = await preflight(`${s3.endpoint}/${uploads}/a.txt`, origin, method, headers);
            expect(res.status, `${origin} ${method} ${headers}`).to.equal(403);
            expect(res.headers.get("access-control-allow-origin")).to.equal(null);
            expect(await res.text()).to.include("This CORS request is not allowed");
        }
    });

    it("refuses every preflight to a bucket without CORS rules, as S3 does", async () => {
        const res = await preflight(`${s3.endpoint}/${plain}/a.txt`, PAGE, "PUT", "content-type");
        expect(res.status).to.equal(403);
        expect(res.headers.get("access-control-allow-origin")).to.equal(null);
        expect(await res.text()).to.include("CORS is not enabled for this bucket.");
    });

    it("takes a PUT to a presigned URL (path-style, the local credentials) with Access-Control-Allow-Origin, and reports the object event", async () => {
        const client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: localCredentials() });
        const key = "uploads/a/red flower.txt";
        const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: uploads, Key: key, ContentType: "text/plain" }), {
            expiresIn: 60,
        });
        expect(url.startsWith(`${s3.endpoint}/${uploads}/uploads/a/red%20flower.txt?`), url).to.equal(true);
        const res = await fetch(url, { method: "PUT", headers: { "Content-Type": "text/plain", Origin: PAGE }, body: "hello" });
        expect(res.status, await res.clone().text()).to.equal(200);
        expect(res.headers.get("access-control-allow-origin")).to.equal(PAGE);
        expect(res.headers.get("access-control-expose-headers")).to.equal("ETag");
        await eventually(() => events.some((e) => e.key === key), 5_000, "the PUT's object event");
        expect(events.find((e) => e.key === key)).to.deep.include({ eventName: "ObjectCreated:Put", bucket: uploads, size: 5 });
    });

    it("refuses a presigned URL once it has expired", async () => {
        const client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: localCredentials() });
        const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: uploads, Key: "uploads/a/late.txt" }), { expiresIn: 1 });
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const res = await fetch(url, { method: "PUT", body: "x" });
        expect(res.status).to.equal(403);
        expect(await res.text()).to.include("Request has expired");
    });

    it("forgets, on a restart over the same state, CORS rules the program no longer declares", async () => {
        const again = await S3Service.start(
            buckets.map((b) => ({ ...b, corsRules: [] })),
            { port: 0, directory, onEvent: () => undefined },
        );
        try {
            const res = await preflight(`${again.endpoint}/${uploads}/a.txt`, PAGE, "PUT");
            expect(res.status).to.equal(403);
            expect(await res.text()).to.include("CORS is not enabled for this bucket.");
        } finally {
            await again.stop();
        }
    });
});
