import { expect } from "chai";
import type { IncomingHttpHeaders } from "node:http";
import { bucketAndKey, deleteObjectsRequests, requestTarget, s3Requests } from "../../../../local/services/iam/s3-requests";

const LOCAL = { host: "127.0.0.1:4101" };
const actions = (method: string, path: string, headers: IncomingHttpHeaders = LOCAL) =>
    s3Requests(method, path, headers).requests.map((r) => `${r.action} ${r.resource}`);

describe("the IAM requests an S3 call makes", () => {
    it("names object operations on the object's ARN, with the key decoded, and versions as …Version", () => {
        expect(actions("GET", "/files/photos/red%20flower%2B%C3%A9.jpg")).to.deep.equal([
            "s3:GetObject arn:aws:s3:::files/photos/red flower+é.jpg",
        ]);
        expect(actions("HEAD", "/files/a")).to.deep.equal(["s3:GetObject arn:aws:s3:::files/a"]);
        expect(actions("GET", "/files/a?versionId=3")).to.deep.equal(["s3:GetObjectVersion arn:aws:s3:::files/a"]);
        expect(actions("PUT", "/files/a")).to.deep.equal(["s3:PutObject arn:aws:s3:::files/a"]);
        expect(actions("DELETE", "/files/a")).to.deep.equal(["s3:DeleteObject arn:aws:s3:::files/a"]);
        expect(actions("DELETE", "/files/a?versionId=3")).to.deep.equal(["s3:DeleteObjectVersion arn:aws:s3:::files/a"]);
    });

    it("names subresources and multipart steps by their own actions", () => {
        expect(actions("GET", "/files/a?tagging")).to.deep.equal(["s3:GetObjectTagging arn:aws:s3:::files/a"]);
        expect(actions("PUT", "/files/a?tagging&versionId=1")).to.deep.equal(["s3:PutObjectVersionTagging arn:aws:s3:::files/a"]);
        expect(actions("DELETE", "/files/a?tagging")).to.deep.equal(["s3:DeleteObjectTagging arn:aws:s3:::files/a"]);
        expect(actions("PUT", "/files/a?acl")).to.deep.equal(["s3:PutObjectAcl arn:aws:s3:::files/a"]);
        expect(actions("GET", "/files/a?acl&versionId=1")).to.deep.equal(["s3:GetObjectVersionAcl arn:aws:s3:::files/a"]);
        expect(actions("POST", "/files/a?uploads")).to.deep.equal(["s3:PutObject arn:aws:s3:::files/a"]);
        expect(actions("PUT", "/files/a?partNumber=1&uploadId=u")).to.deep.equal(["s3:PutObject arn:aws:s3:::files/a"]);
        expect(actions("POST", "/files/a?uploadId=u")).to.deep.equal(["s3:PutObject arn:aws:s3:::files/a"]);
        expect(actions("DELETE", "/files/a?uploadId=u")).to.deep.equal(["s3:AbortMultipartUpload arn:aws:s3:::files/a"]);
    });

    it("asks a PUT with ACL or tagging headers, and a copy, for each action they need", () => {
        expect(actions("PUT", "/files/a", { ...LOCAL, "x-amz-acl": "public-read", "x-amz-tagging": "k=v" })).to.deep.equal([
            "s3:PutObject arn:aws:s3:::files/a",
            "s3:PutObjectAcl arn:aws:s3:::files/a",
            "s3:PutObjectTagging arn:aws:s3:::files/a",
        ]);
        expect(actions("PUT", "/files/b", { ...LOCAL, "x-amz-copy-source": "/other/in%20box/a?versionId=7" })).to.deep.equal([
            "s3:PutObject arn:aws:s3:::files/b",
            "s3:GetObjectVersion arn:aws:s3:::other/in box/a",
        ]);
        const [put] = s3Requests("PUT", "/files/a", { ...LOCAL, "x-amz-acl": "private" }).requests;
        expect(put.context).to.include({ "s3:x-amz-acl": "private", "s3:authType": "REST-HEADER" });
    });

    it("names bucket operations on the bucket's ARN, a listing with its prefix, and the account's listing on *", () => {
        expect(actions("GET", "/")).to.deep.equal(["s3:ListAllMyBuckets *"]);
        expect(actions("GET", "/files?list-type=2&prefix=photos/")).to.deep.equal(["s3:ListBucket arn:aws:s3:::files"]);
        expect(actions("HEAD", "/files")).to.deep.equal(["s3:ListBucket arn:aws:s3:::files"]);
        expect(actions("GET", "/files?versions")).to.deep.equal(["s3:ListBucketVersions arn:aws:s3:::files"]);
        expect(actions("GET", "/files?uploads")).to.deep.equal(["s3:ListBucketMultipartUploads arn:aws:s3:::files"]);
        expect(actions("PUT", "/files?cors")).to.deep.equal(["s3:PutBucketCORS arn:aws:s3:::files"]);
        expect(actions("DELETE", "/files?cors")).to.deep.equal(["s3:PutBucketCORS arn:aws:s3:::files"]);
        expect(actions("DELETE", "/files?policy")).to.deep.equal(["s3:DeleteBucketPolicy arn:aws:s3:::files"]);
        expect(actions("PUT", "/files")).to.deep.equal(["s3:CreateBucket arn:aws:s3:::files"]);
        expect(actions("DELETE", "/files")).to.deep.equal(["s3:DeleteBucket arn:aws:s3:::files"]);
        const [list] = s3Requests("GET", "/files?prefix=a%2F&delimiter=%2F&max-keys=5", LOCAL).requests;
        expect(list.context).to.include({ "s3:prefix": "a/", "s3:delimiter": "/", "s3:max-keys": "5" });
    });

    it("reads a presigned URL's call as REST-QUERY-STRING, and the bucket from a virtual host as s3rver does", () => {
        const [get] = s3Requests("GET", "/files/a?X-Amz-Credential=ASIA%2F1", LOCAL).requests;
        expect(get.context).to.include({ "s3:authType": "REST-QUERY-STRING" });
        expect(bucketAndKey("/a/b", "files.s3.us-east-1.amazonaws.com")).to.deep.equal({ bucket: "files", key: "a/b" });
        expect(bucketAndKey("/a/b", "files.example.test:8080")).to.deep.equal({ bucket: "files.example.test", key: "a/b" });
        expect(bucketAndKey("/files/a/b", "localhost:4101")).to.deep.equal({ bucket: "files", key: "a/b" });
        expect(bucketAndKey("/files/a/b", "127.0.0.1:4101")).to.deep.equal({ bucket: "files", key: "a/b" });
        // Koa's hostname: the host up to its first colon, a bracketed IPv6 address whole (so a bucket name, to s3rver).
        expect(bucketAndKey("/files/a", "127.0.0.1:zz")).to.deep.equal({ bucket: "files", key: "a" });
        expect(bucketAndKey("/a", "secret:zz")).to.deep.equal({ bucket: "secret", key: "a" });
        expect(bucketAndKey("/files/a", "[::1]:4101")).to.deep.equal({ bucket: "[::1]", key: "files/a" });
    });

    it("reads the target as s3rver routes it: absolute-form without its authority, dot segments kept, x-amz-* query over headers", () => {
        expect(actions("GET", "http://x/secret/key")).to.deep.equal(["s3:GetObject arn:aws:s3:::secret/key"]);
        expect(actions("GET", "/files/a/../b/./c")).to.deep.equal(["s3:GetObject arn:aws:s3:::files/a/../b/./c"]);
        expect(requestTarget("/files/a?x=1&y").query.has("y")).to.equal(true);
        expect(actions("PUT", "/dst/k?x-amz-copy-source=%2Fsecret%2Fobj")).to.deep.equal([
            "s3:PutObject arn:aws:s3:::dst/k",
            "s3:GetObject arn:aws:s3:::secret/obj",
        ]);
        expect(actions("PUT", "/dst/k?X-Amz-Acl=public-read&x-amz-tagging=a%3Db")).to.deep.equal([
            "s3:PutObject arn:aws:s3:::dst/k",
            "s3:PutObjectAcl arn:aws:s3:::dst/k",
            "s3:PutObjectTagging arn:aws:s3:::dst/k",
        ]);
        expect(actions("GET", "/files/a?uploadId=u")).to.deep.equal(["s3:ListMultipartUploadParts arn:aws:s3:::files/a"]);
    });

    it("marks DeleteObjects, whose keys are in its body, and reads one s3:DeleteObject per key, entities decoded", () => {
        expect(s3Requests("POST", "/files?delete", LOCAL)).to.include({ bucket: "files", multiDelete: true });
        const xml =
            '<Delete><Object><Key>a &amp; b</Key></Object><Object a="1"><Key><![CDATA[in/locked/x]]></Key><VersionId>v1</VersionId></Object>' +
            "<Object ><Key>in&sol;y</Key></Object></Delete>";
        expect(deleteObjectsRequests("files", xml)?.map((r) => `${r.action} ${r.resource}`)).to.deep.equal([
            "s3:DeleteObject arn:aws:s3:::files/a & b",
            "s3:DeleteObjectVersion arn:aws:s3:::files/in/locked/x",
            "s3:DeleteObject arn:aws:s3:::files/in/y",
        ]);
        expect(deleteObjectsRequests("files", "<Delete><Object><Key>a</Key></Object>"), "not well-formed: s3rver refuses it").to.equal(
            undefined,
        );
        expect(deleteObjectsRequests("files", "<Delete></Delete>"), "no objects: s3rver refuses it").to.equal(undefined);
    });

    it("keeps a hostile path's undecodable escapes as written rather than failing", () => {
        expect(actions("GET", "/files/%E0%A4%A/%ZZ")).to.deep.equal(["s3:GetObject arn:aws:s3:::files/%E0%A4%A/%ZZ"]);
    });
});
