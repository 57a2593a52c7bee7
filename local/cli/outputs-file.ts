import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalCloud } from "../cloud";
import { localCredentials } from "../services/credentials";

/** What `.local/outputs.json` holds: everything a client or `npm run upload` needs to reach the local stack. */
export type OutputsFile = Pick<
    LocalCloud,
    "outputs" | "apis" | "buckets" | "tables" | "queues" | "s3Endpoint" | "dynamodbEndpoint" | "sqsEndpoint"
> & {
    stack: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
};

/** `<programDir>/.local/outputs.json` */
export const outputsFilePath = (programDir: string): string => path.join(programDir, ".local", "outputs.json");

export function writeOutputsFile(programDir: string, cloud: LocalCloud): string {
    const file = outputsFilePath(programDir);
    const contents: OutputsFile = {
        stack: cloud.program.stack,
        region: cloud.program.region,
        outputs: cloud.outputs,
        apis: cloud.apis,
        buckets: cloud.buckets,
        tables: cloud.tables,
        queues: cloud.queues,
        s3Endpoint: cloud.s3Endpoint,
        dynamodbEndpoint: cloud.dynamodbEndpoint,
        sqsEndpoint: cloud.sqsEndpoint,
        credentials: localCredentials(),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(contents, null, 2) + "\n");
    return file;
}

export function readOutputsFile(programDir: string): OutputsFile {
    const file = outputsFilePath(programDir);
    if (!fs.existsSync(file)) throw new Error(`${file} not found: start the local cloud first (npm start).`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as OutputsFile;
}
