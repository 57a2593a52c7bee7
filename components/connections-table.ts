import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_ID_ATTRIBUTE, EXPIRY_ATTRIBUTE } from "../handlers/connections";
import { CHANNEL_KEY_ATTRIBUTE, SLOT_ATTRIBUTE } from "../handlers/subscriptions";

/** Settings of the API's tables (connections and subscriptions). */
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
 * The connection ids of one API: hash key `connectionId`, and a TTL on `expiresAt` (2 h after connect, API
 * Gateway's maximum connection lifetime) so stale rows go away by themselves.
 */
export function createConnectionsTable(name: string, args: ConnectionsTableArgs, parent: pulumi.Resource): aws.dynamodb.Table {
    return createTable(name, { hashKey: CONNECTION_ID_ATTRIBUTE }, args, parent);
}

/**
 * Channel subscriptions (docs/channels.md): hash key `channelKey`, range key `slot` (`<shard>#<connectionId>`), so
 * a fan-out Queries each matching channel and a segment worker reads a range of shards; the TTL on `expiresAt`
 * (the connection's own) removes what a lost `$disconnect` left.
 */
export function createSubscriptionsTable(name: string, args: ConnectionsTableArgs, parent: pulumi.Resource): aws.dynamodb.Table {
    return createTable(name, { hashKey: CHANNEL_KEY_ATTRIBUTE, rangeKey: SLOT_ATTRIBUTE }, args, parent);
}

/** On-demand billing, encrypted, a TTL on `expiresAt`, and the backups and protection `args` ask for. */
function createTable(
    name: string,
    keys: { hashKey: string; rangeKey?: string },
    args: ConnectionsTableArgs,
    parent: pulumi.Resource,
): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
        name,
        {
            attributes: [keys.hashKey, ...(keys.rangeKey ? [keys.rangeKey] : [])].map((attribute) => ({ name: attribute, type: "S" })),
            hashKey: keys.hashKey,
            rangeKey: keys.rangeKey,
            billingMode: "PAY_PER_REQUEST",
            serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
            ttl: { attributeName: EXPIRY_ATTRIBUTE, enabled: true },
            pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? pulumi.getStack() !== "dev" },
            deletionProtectionEnabled: args.deletionProtection ?? false,
        },
        { parent },
    );
}
