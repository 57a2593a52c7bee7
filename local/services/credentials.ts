import { createHash } from "node:crypto";

/**
 * The credentials local clients and functions sign with. dynalite accepts any; s3rver accepts only the pair it has
 * registered, which by default is this one. A fresh object each time: the AWS SDK marks the credentials object it is
 * given (`$source`), and one shared object would carry those marks into outputs and tests.
 */
export const localCredentials = (): { accessKeyId: string; secretAccessKey: string } => ({
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
});

/** What one function signs with: its role's credentials, as Lambda gives them in the environment (B42). */
export interface FunctionCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
}

/**
 * A function's own credentials, the same on every start: an access key id shaped like a role session's (`ASIA` and
 * 16 characters) that names the function to the local services, so a call can be traced to the role it comes from.
 */
export function functionCredentials(functionName: string): FunctionCredentials {
    const digest = (salt: string) => createHash("sha256").update(`${salt}:${functionName}`).digest();
    return {
        accessKeyId: `ASIA${digest("key").toString("hex").slice(0, 16).toUpperCase()}`,
        secretAccessKey: digest("secret").toString("base64").slice(0, 40),
        sessionToken: `local-session-${functionName}`,
    };
}
