import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "node:fs";
import * as path from "node:path";
import type { UploadArgs } from "./args";
import { CliError } from "./cli-error";
import { outputsFilePath, readOutputsFile } from "./outputs-file";

/** `serverless-websockets upload`: puts a file into the running local cloud's bucket (as `aws s3 cp` would). */
export async function runUpload(args: UploadArgs, cwd: string): Promise<string> {
    const file = path.resolve(cwd, args.file);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`No such file: ${file}`);
    const programDir = path.resolve(cwd, args.programDir);
    if (!fs.existsSync(outputsFilePath(programDir))) {
        throw new CliError(
            `No local cloud has run in ${programDir} (no .local/outputs.json).\nStart it first: serverless-websockets dev ${args.programDir}`,
        );
    }
    const local = readOutputsFile(programDir);
    const bucket = args.bucket ?? local.buckets[0];
    if (!bucket || !local.buckets.includes(bucket)) {
        throw new CliError(`The local cloud has no bucket ${bucket ?? ""}; it has: ${local.buckets.join(", ") || "none"}.`);
    }
    const key = args.key ?? path.basename(file);
    const s3 = new S3Client({
        endpoint: local.s3Endpoint,
        region: local.region,
        credentials: local.credentials,
        forcePathStyle: true,
        maxAttempts: 1,
    });
    try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(file) }));
    } catch (err) {
        if ((err as { code?: string }).code === "ECONNREFUSED") {
            throw new CliError(
                `The local cloud of ${programDir} is not running (nothing answers at ${local.s3Endpoint}).\nStart it: serverless-websockets dev ${args.programDir}`,
            );
        }
        throw err;
    } finally {
        s3.destroy();
    }
    return `uploaded ${path.relative(cwd, file) || file} to s3://${bucket}/${key}`;
}
