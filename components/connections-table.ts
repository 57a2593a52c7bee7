import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_ID_ATTRIBUTE, EXPIRY_ATTRIBUTE } from "../handlers/connections";

export interface ConnectionsTableArgs {
    /**
     * Point-in-time recovery (continuous backups; costs storage).
     * @default true, except on a stack named "dev"
     */
    pointInTimeRecovery?: boolean;
    /**
     * Deletion protection: `pulumi destroy` fails until it is turned off.
     * @default false
     */
    deletionProtection?: boolean;
    /** A customer managed KMS key for encryption at rest. @default the AWS managed key for DynamoDB */
    kmsKeyArn?: pulumi.Input<string>;
}

/**
 * The connection ids of one API: hash key `connectionId`, on-demand billing, encrypted, and a TTL on
 * `expiresAt` (2 h after connect, API Gateway's maximum connection lifetime) so stale rows go away by themselves.
 */
export function createConnectionsTable(name: string, args: ConnectionsTableArgs, parent: pulumi.Resource): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
        name,
        {
            attributes: [{ name: CONNECTION_ID_ATTRIBUTE, type: "S" }],
            hashKey: CONNECTION_ID_ATTRIBUTE,
            billingMode: "PAY_PER_REQUEST",
            serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
            ttl: { attributeName: EXPIRY_ATTRIBUTE, enabled: true },
            pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? pulumi.getStack() !== "dev" },
            deletionProtectionEnabled: args.deletionProtection ?? false,
        },
        { parent },
    );
}
