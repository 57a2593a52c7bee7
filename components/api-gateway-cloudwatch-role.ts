import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, policyDocument } from "./policy";

const TYPE = "serverless-websockets:index:ApiGatewayCloudWatchRole";

/**
 * The region's API Gateway account setting that lets API Gateway write execution and access logs: a stage with
 * logging fails to create without it ("CloudWatch Logs role ARN must be set in account settings"). It is one
 * setting per account and region, so:
 * - a program creates it once per AWS provider, however many APIs it has (`cloudWatchRoleFor`);
 * - `pulumi destroy` leaves the role and the setting in place (`retainOnDelete`): since the AWS provider v6,
 *   deleting `aws.apigateway.Account` resets the setting to none, which would break logging for every other API
 *   in the region. Delete the role by hand once no API in the region logs.
 */
export class ApiGatewayCloudWatchRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly account: aws.apigateway.Account;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const { partition } = aws.getPartitionOutput({}, { parent: this });
        const { region } = aws.getRegionOutput({}, { parent: this });
        const { accountId } = aws.getCallerIdentityOutput({}, { parent: this });
        const retained = { parent: this, retainOnDelete: true };
        this.role = new aws.iam.Role(name, { assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com") }, retained);
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
            retained,
        );
        this.account = new aws.apigateway.Account(name, { cloudwatchRoleArn: this.role.arn }, { ...retained, dependsOn: [rolePolicy] });
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

/** One role per program (stack resource) and AWS provider. */
const rolesByProgram = new WeakMap<pulumi.Resource, Map<pulumi.ProviderResource | undefined, ApiGatewayCloudWatchRole>>();

/**
 * The program's API Gateway CloudWatch role for `requester`'s AWS provider, created on first use. It belongs to
 * the stack, not to the first API that asked, so removing that API later does not remove the role the others use.
 */
export function cloudWatchRoleFor(requester: pulumi.ComponentResource, fallbackName: string): ApiGatewayCloudWatchRole {
    const provider = requester.getProvider("aws::");
    const stack = pulumi.runtime.getStackResource();
    if (stack === undefined) {
        return new ApiGatewayCloudWatchRole(fallbackName, { parent: requester });
    }
    let roles = rolesByProgram.get(stack);
    if (roles === undefined) {
        roles = new Map();
        rolesByProgram.set(stack, roles);
    }
    let role = roles.get(provider);
    if (role === undefined) {
        role = new ApiGatewayCloudWatchRole(provider === undefined ? "apigateway-cloudwatch" : fallbackName, { provider });
        roles.set(provider, role);
    }
    return role;
}
