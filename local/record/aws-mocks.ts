import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { RESOURCE_TYPES } from "./resource-types";

/** The account every mocked ARN belongs to. */
export const MOCK_ACCOUNT_ID = "000000000000";

type State = Record<string, unknown>;

/** The mock API's arguments, plus the resource's URN when the caller knows it (the recorder does). */
export type MockResourceArgsWithUrn = pulumi.runtime.MockResourceArgs & { urn?: string };
type Inputs = Record<string, unknown>;

/** A short, stable id derived from a resource's URN: the same program always gets the same ids. */
export function stableId(seed: string, length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    const digest = createHash("sha256").update(seed).digest();
    let out = "";
    for (let i = 0; out.length < length; i++) {
        out += alphabet[digest[i % digest.length] % alphabet.length];
    }
    return out;
}

/** What AWS would name a resource created without an explicit name (Pulumi auto-naming: name + "-" + 7 chars). */
function physicalName(seed: string, name: string, inputs: Inputs, field = "name"): string {
    const explicit = inputs[field];
    if (typeof explicit === "string" && explicit !== "") {
        return explicit;
    }
    const prefix = inputs[`${field}Prefix`];
    if (typeof prefix === "string") {
        return prefix + stableId(seed, 8, "0123456789abcdef");
    }
    return `${name}-${stableId(seed, 7, "0123456789abcdef")}`;
}

/**
 * Pulumi mocks that answer as AWS would for the resources and invokes this library uses, so that programs run
 * in-process see realistic ids, names, ARNs and URLs in `region` and account 000000000000.
 */
export class AwsMocks implements pulumi.runtime.Mocks {
    constructor(readonly region: string) {}

    private arn(service: string, resource: string, region = this.region, account = MOCK_ACCOUNT_ID): string {
        return `arn:aws:${service}:${region}:${account}:${resource}`;
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: MOCK_ACCOUNT_ID,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/local`,
                    userId: "AIDALOCAL",
                    id: MOCK_ACCOUNT_ID,
                };
            case "aws:index/getRegion:getRegion":
                return {
                    region: this.region,
                    name: this.region,
                    id: this.region,
                    endpoint: `ec2.${this.region}.amazonaws.com`,
                    description: this.region,
                };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
            default:
                throw new Error(`AwsMocks: no mock for invoke ${args.token}`);
        }
    }

    newResource(args: MockResourceArgsWithUrn): pulumi.runtime.MockResourceResult {
        const inputs = (args.inputs ?? {}) as Inputs;
        // Pulumi identifies a resource by its URN: two components may each own a child of the same type and name.
        const seed = args.urn ?? `${args.type}::${args.name}`;
        const withState = (id: string, state: State) => ({ id, state: { ...inputs, ...state } });
        switch (args.type) {
            case RESOURCE_TYPES.api: {
                const id = stableId(seed, 10);
                const scheme = inputs.protocolType === "WEBSOCKET" ? "wss" : "https";
                return withState(id, {
                    name: inputs.name ?? args.name,
                    apiEndpoint: `${scheme}://${id}.execute-api.${this.region}.amazonaws.com`,
                    executionArn: this.arn("execute-api", id),
                    arn: `arn:aws:apigateway:${this.region}::/apis/${id}`,
                    apiKeySelectionExpression: "$request.header.x-api-key",
                });
            }
            case RESOURCE_TYPES.stage: {
                const apiId = String(inputs.apiId);
                const stage = String(inputs.name);
                return withState(stage, {
                    invokeUrl: `wss://${apiId}.execute-api.${this.region}.amazonaws.com/${stage}`,
                    executionArn: this.arn("execute-api", `${apiId}/${stage}`),
                    arn: `arn:aws:apigateway:${this.region}::/apis/${apiId}/stages/${stage}`,
                });
            }
            case RESOURCE_TYPES.integration:
            case RESOURCE_TYPES.route:
            case RESOURCE_TYPES.routeResponse:
            case RESOURCE_TYPES.authorizer:
                return withState(stableId(seed, 7), {});
            case RESOURCE_TYPES.function: {
                const name = physicalName(seed, args.name, inputs);
                const arn = this.arn("lambda", `function:${name}`);
                return withState(name, {
                    name,
                    arn,
                    qualifiedArn: `${arn}:$LATEST`,
                    invokeArn: `arn:aws:apigateway:${this.region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
                    version: "$LATEST",
                });
            }
            case RESOURCE_TYPES.permission:
                return withState(String(inputs.statementId ?? physicalName(seed, args.name, inputs, "statementId")), {});
            case RESOURCE_TYPES.role: {
                const name = physicalName(seed, args.name, inputs);
                return withState(name, {
                    name,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`,
                    uniqueId: `AROA${stableId(seed, 16).toUpperCase()}`,
                });
            }
            case RESOURCE_TYPES.rolePolicy: {
                const name = physicalName(seed, args.name, inputs);
                return withState(`${String(inputs.role)}:${name}`, { name });
            }
            case RESOURCE_TYPES.logGroup: {
                const name = physicalName(seed, args.name, inputs);
                return withState(name, { name, arn: this.arn("logs", `log-group:${name}`) });
            }
            case RESOURCE_TYPES.table: {
                const name = physicalName(seed, args.name, inputs);
                return withState(name, { name, arn: this.arn("dynamodb", `table/${name}`) });
            }
            case RESOURCE_TYPES.bucket: {
                // S3 bucket names are lower case; auto-naming keeps the logical name and adds 7 characters.
                const bucket = physicalName(seed, args.name, inputs, "bucket").toLowerCase();
                return withState(bucket, {
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketDomainName: `${bucket}.s3.amazonaws.com`,
                    bucketRegionalDomainName: `${bucket}.s3.${this.region}.amazonaws.com`,
                    region: this.region,
                });
            }
            case RESOURCE_TYPES.queue: {
                const name = physicalName(seed, args.name, inputs);
                const url = `https://sqs.${this.region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${name}`;
                return withState(url, { name, url, arn: this.arn("sqs", name) });
            }
            case RESOURCE_TYPES.account:
                return withState(`api-gateway-account-${this.region}`, {});
            default:
                return withState(`${args.name}-${stableId(seed, 8)}`, {});
        }
    }
}
