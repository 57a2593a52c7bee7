import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, policyDocument } from "./policy";

const TYPE = "serverless-websockets:index:ApiGatewayCloudWatchRole";

/**
 * The region's API Gateway account setting that lets API Gateway write execution and access logs. A stage with
 * logging fails to create without it ("CloudWatch Logs role ARN must be set in account settings"). It is one
 * setting per account and region: destroying this resource leaves the setting in place, so other stacks that
 * rely on it keep working.
 */
export class ApiGatewayCloudWatchRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly account: aws.apigateway.Account;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const { partition } = aws.getPartitionOutput({}, { parent: this });
        const { region } = aws.getRegionOutput({}, { parent: this });
        const { accountId } = aws.getCallerIdentityOutput({}, { parent: this });
        this.role = new aws.iam.Role(name, { assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com") }, { parent: this });
        // API Gateway names its execution log groups itself (API-Gateway-Execution-Logs_<apiId>/<stage>), for every
        // API in the region: the narrowest named scope is this account's log groups in this region.
        const logGroups = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:*`;
        const rolePolicy = new aws.iam.RolePolicy(
            name,
            {
                role: this.role.name,
                policy: policyDocument([
                    {
                        actions: [
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                            "logs:GetLogEvents",
                            "logs:FilterLogEvents",
                        ],
                        resources: [logGroups],
                    },
                ]),
            },
            { parent: this },
        );
        this.account = new aws.apigateway.Account(
            name,
            { cloudwatchRoleArn: this.role.arn },
            { parent: this, dependsOn: [rolePolicy] },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}
