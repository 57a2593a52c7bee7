import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentError } from "./validation";

export interface WatchedBucketArgs {
    /** An existing bucket, its name, or its ARN; none creates a hardened bucket. */
    bucket?: aws.s3.Bucket | string;
    /** Versioning of a created bucket. @default true */
    versioning?: boolean;
    /** Let `pulumi destroy` delete a created bucket that still holds objects. @default false */
    forceDestroy?: boolean;
    /** Origins a browser may PUT (presigned uploads) from: a CORS rule on a created bucket. @default none */
    corsOrigins?: string[];
}

const TYPE = "serverless-websockets:index:WatchedBucket";

/**
 * The bucket whose events are broadcast. A created bucket meets the checklist's S items: all public access
 * blocked, a policy denying requests without TLS, default encryption, versioning on by default.
 */
export class WatchedBucket extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** The bucket resource, when it was created here or passed in. */
    readonly bucket?: aws.s3.Bucket;

    constructor(name: string, args: WatchedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        if (typeof args.bucket === "string") {
            const bucketName = bucketNameOf(args.bucket);
            const { partition } = aws.getPartitionOutput({}, { parent: this });
            this.name = pulumi.output(bucketName);
            this.arn = pulumi.interpolate`arn:${partition}:s3:::${bucketName}`;
        } else {
            this.bucket = args.bucket ?? this.createBucket(name, args);
            if (args.bucket === undefined && args.corsOrigins) this.createCorsRule(name, this.bucket, args.corsOrigins);
            this.name = this.bucket.bucket;
            this.arn = this.bucket.arn;
        }
        this.registerOutputs({ name: this.name, arn: this.arn });
    }

    private createBucket(name: string, args: WatchedBucketArgs): aws.s3.Bucket {
        const bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy ?? false }, { parent: this });
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            // S3 rejects concurrent changes to one bucket's policy and public access block.
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
            { parent: this },
        );
        new aws.s3.BucketVersioning(
            name,
            { bucket: bucket.id, versioningConfiguration: { status: (args.versioning ?? true) ? "Enabled" : "Suspended" } },
            { parent: this },
        );
        return bucket;
    }

    /** Browsers may PUT to presigned URLs from `origins`, and read the ETag of what they uploaded. */
    private createCorsRule(name: string, bucket: aws.s3.Bucket, origins: string[]): aws.s3.BucketCorsConfiguration {
        return new aws.s3.BucketCorsConfiguration(
            name,
            {
                bucket: bucket.id,
                corsRules: [
                    {
                        allowedMethods: ["PUT"],
                        allowedOrigins: origins,
                        allowedHeaders: ["*"],
                        exposeHeaders: ["ETag"],
                        maxAgeSeconds: 3000,
                    },
                ],
            },
            { parent: this },
        );
    }
}

/** Accepts `my-bucket` or `arn:aws:s3:::my-bucket`. */
function bucketNameOf(nameOrArn: string): string {
    const name = nameOrArn.startsWith("arn:") ? /^arn:[^:]+:s3:::([^/]+)$/.exec(nameOrArn)?.[1] : nameOrArn;
    if (!name || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
        throw new InvalidArgumentError(TYPE, `"${nameOrArn}" is not an S3 bucket name or bucket ARN.`);
    }
    return name;
}
