import type { RecordedProgram, RecordedResource } from "../../local/record/record-program";

export const TYPES = {
    api: "aws:apigatewayv2/api:Api",
    stage: "aws:apigatewayv2/stage:Stage",
    integration: "aws:apigatewayv2/integration:Integration",
    route: "aws:apigatewayv2/route:Route",
    routeResponse: "aws:apigatewayv2/routeResponse:RouteResponse",
    function: "aws:lambda/function:Function",
    permission: "aws:lambda/permission:Permission",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    account: "aws:apigateway/account:Account",
    table: "aws:dynamodb/table:Table",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
    notification: "aws:s3/bucketNotification:BucketNotification",
    queue: "aws:sqs/queue:Queue",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
} as const;

/** Queries over a recorded program. */
export class Graph {
    constructor(readonly program: RecordedProgram) {}

    get resources(): RecordedResource[] {
        return this.program.resources;
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
        }
        return found[0];
    }

    byUrn(urn: string): RecordedResource {
        const found = this.resources.find((r) => r.urn === urn);
        if (!found) {
            throw new Error(`no resource ${urn}`);
        }
        return found;
    }

    /** Custom resources below a component, at any depth. */
    descendants(urn: string): RecordedResource[] {
        const children = this.resources.filter((r) => r.parent === urn);
        return children.flatMap((child) => [child, ...this.descendants(child.urn)]);
    }

    /** The resource whose state field `field` equals `value` (e.g. the function whose `invokeArn` is X). */
    withState(type: string, field: string, value: unknown): RecordedResource {
        const found = this.ofType(type).filter((r) => r.state[field] === value);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} with ${field}=${String(value)}, found ${found.length}`);
        }
        return found[0];
    }

    /** Custom resources only: what `pulumi up` would create in AWS. */
    get awsResources(): RecordedResource[] {
        return this.resources.filter((r) => r.custom);
    }
}

/** A function archive's entries and total bytes (string assets by length; anything else counts as unbounded). */
export function archiveSummary(fn: RecordedResource): { entries: string[]; bytes: number } {
    const code = fn.inputs.code as { archive?: { assets?: Record<string, { asset?: { text?: string } }> } } | null;
    const assets = code?.archive?.assets ?? {};
    let bytes = 0;
    for (const entry of Object.values(assets)) {
        const text = entry.asset?.text;
        bytes += text === undefined ? Number.POSITIVE_INFINITY : Buffer.byteLength(text, "utf8");
    }
    return { entries: Object.keys(assets).sort(), bytes };
}
