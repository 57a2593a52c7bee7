// This process uses the SDK only to reach the local S3; its Node.js-version notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "node:fs";
import * as path from "node:path";
import { readOutputsFile } from "./outputs-file";

const USAGE = "usage: npm run upload -- <file> [key] [--bucket name] [--dir programDir]";

/** Puts a file into the running local cloud's bucket (what `aws --endpoint-url … s3 cp` does too). */
async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const positional: string[] = [];
    let bucket: string | undefined;
    let programDir = ".";
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--bucket") bucket = argv[++i];
        else if (argv[i] === "--dir") programDir = argv[++i];
        else positional.push(argv[i]);
    }
    const [file, key = path.basename(file ?? "")] = positional;
    if (!file) throw new Error(USAGE);
    const local = readOutputsFile(programDir);
    bucket ??= local.buckets[0];
    if (!bucket || !local.buckets.includes(bucket))
        throw new Error(`no bucket ${bucket ?? ""} in the local cloud; it has: ${local.buckets.join(", ") || "none"}`);
    const s3 = new S3Client({ endpoint: local.s3Endpoint, region: local.region, credentials: local.credentials, forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(file) }));
    console.log(`uploaded ${file} to s3://${bucket}/${key}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
