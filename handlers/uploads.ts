import { PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { UploadSigner } from "./channels";

export interface UploadSignerOptions {
    bucket: string;
    /** Only keys under this prefix. */
    prefix: string;
    /** Lifetime of a URL in seconds. */
    expiresInSeconds: number;
    /** The largest body a URL is signed for, in bytes. */
    maxBytes: number;
    /** Client settings (tests, custom endpoints). */
    s3Config?: S3ClientConfig;
}

/** BroadcastWebSocket's default `uploads.maxBytes`: 10 MiB. */
export const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** Presigned PUTs into the watched bucket, one S3 client per Lambda environment. */
export function createUploadSigner(options: UploadSignerOptions): UploadSigner {
    // By default the SDK signs the CRC32 of the empty body it presigns into the URL, and S3 then refuses the real
    // upload as a checksum mismatch: only a checksum the operation requires belongs in the URL.
    const s3 = new S3Client({ ...options.s3Config, requestChecksumCalculation: "WHEN_REQUIRED" });
    return {
        prefix: options.prefix,
        maxBytes: options.maxBytes,
        async sign(key, size, contentType) {
            const command = new PutObjectCommand({ Bucket: options.bucket, Key: key, ContentType: contentType, ContentLength: size });
            // Length and type are signed: S3 refuses a PUT of another size (the bound on what a URL admits) or type.
            const url = await getSignedUrl(s3, command, {
                expiresIn: options.expiresInSeconds,
                signableHeaders: new Set(["content-length", ...(contentType ? ["content-type"] : [])]),
            });
            const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
            return {
                url,
                method: "PUT",
                headers,
                expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000).toISOString(),
            };
        },
    };
}

/** The signer the component configures (UPLOAD_BUCKET, UPLOAD_PREFIX, UPLOAD_EXPIRES_SECONDS, UPLOAD_MAX_BYTES), or none. */
export function uploadSignerFromEnvironment(env: NodeJS.ProcessEnv = process.env): UploadSigner | undefined {
    if (!env.UPLOAD_BUCKET) return undefined;
    return createUploadSigner({
        bucket: env.UPLOAD_BUCKET,
        prefix: env.UPLOAD_PREFIX ?? "",
        expiresInSeconds: Number(env.UPLOAD_EXPIRES_SECONDS ?? "300"),
        maxBytes: Number(env.UPLOAD_MAX_BYTES ?? String(DEFAULT_UPLOAD_MAX_BYTES)),
    });
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
