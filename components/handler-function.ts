import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaCodePathOptions } from "./code-packaging";
import { bundleHandlerFile, isFileCode, type FileCode } from "./file-bundle";
import { DEFAULT_LAMBDA } from "./defaults";
import { assumeRolePolicy, policyDocument, requireScopedStatements, type PolicyStatement } from "./policy";
import { InvalidArgumentError, requireIntegerInRange, requireLogRetention } from "./validation";

/**
 * The code behind a function: a callback (serialized with its closure, as `aws.lambda.CallbackFunction` does),
 * a factory run once per cold start (for SDK clients and other state reused across invocations), a file bundled
 * with esbuild (`{ file: "src/chat.ts", export: "handler" }`), or an existing `aws.lambda.Function` built any way,
 * in any runtime.
 */
export type FunctionCode<E, R> = aws.lambda.Callback<E, R> | { factory: aws.lambda.CallbackFactory<E, R> } | FileCode | aws.lambda.Function;

/** Lambda settings for functions this library creates from callbacks. */
export interface FunctionSettings {
    /**
     * Node.js runtime of the callback, `nodejsNN.x`.
     * @default "nodejs22.x"
     */
    runtime?: string;
    /**
     * Instruction set: exactly one of `arm64` or `x86_64`.
     * @default ["arm64"]
     */
    architectures?: ("arm64" | "x86_64")[];
    /**
     * Memory in MB (128 to 10240); CPU grows with it.
     * @default 256
     */
    memorySize?: number;
    /**
     * Timeout in seconds. Functions behind a WebSocket route may not exceed API Gateway's 29 s integration timeout.
     * @default 10
     */
    timeout?: number;
    /** Extra environment variables. */
    environment?: Record<string, pulumi.Input<string>>;
    /** Reserved concurrency; unset leaves the function on the account's unreserved pool. */
    reservedConcurrentExecutions?: number;
    /**
     * Packages from the program's `dependencies` that the callback needs at run time. Everything else is left
     * out of the archive: the AWS SDK v3 is already in the Node.js Lambda runtime.
     * @default []
     * @example ["zod"]
     */
    bundledPackages?: string[];
}

/** `overrides` over `defaults`, environment variables merged rather than replaced. */
export function mergeFunctionSettings(defaults: FunctionSettings = {}, overrides: FunctionSettings = {}): FunctionSettings {
    return { ...defaults, ...overrides, environment: { ...defaults.environment, ...overrides.environment } };
}

export interface HandlerFunctionArgs<E, R> {
    /** The function's code. */
    code: FunctionCode<E, R>;
    /** Lambda settings (ignored for an existing function). */
    settings?: FunctionSettings;
    /** Retention of the function's own log group. */
    logRetentionInDays: number;
    /** The largest timeout the caller allows, and why. @default 900 s, Lambda's limit */
    timeoutLimit?: { seconds: number; reason: string };
    /** What the function may do besides writing its own logs; each statement scoped to named resources. */
    policyStatements?: pulumi.Input<PolicyStatement[]>;
    /** Description shown in the Lambda console. */
    description?: string;
}

const TYPE = "serverless-websockets:index:HandlerFunction";
/** Room AWS auto-naming needs: it appends "-" and 7 characters to names capped at 64. */
export const MAX_HANDLER_NAME_LENGTH = 56;

/**
 * A Lambda function with its own least-privilege role and its own log group with retention. Never the
 * `CallbackFunction` default role, which attaches nine AWS-managed FullAccess/PowerUser policies.
 */
export class HandlerFunction<E, R> extends pulumi.ComponentResource {
    /** The Lambda function. */
    readonly function: aws.lambda.Function;
    /** The execution role (absent for an existing function, whose role its owner manages). */
    readonly role?: aws.iam.Role;
    /** The function's log group (absent for an existing function). */
    readonly logGroup?: aws.cloudwatch.LogGroup;

    constructor(name: string, args: HandlerFunctionArgs<E, R>, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        if (aws.lambda.Function.isInstance(args.code)) {
            this.function = args.code;
        } else {
            if (name.length > MAX_HANDLER_NAME_LENGTH) {
                throw new InvalidArgumentError(
                    TYPE,
                    `name "${name}" is longer than ${MAX_HANDLER_NAME_LENGTH} characters; AWS names derived from it would not fit.`,
                );
            }
            this.logGroup = this.createLogGroup(name, args.logRetentionInDays);
            const { role, rolePolicy } = this.createRole(name, this.logGroup, args.policyStatements ?? []);
            this.role = role;
            this.function = this.createFunction(name, args, role, rolePolicy, this.logGroup);
        }
        this.registerOutputs({ function: this.function });
    }

    private createLogGroup(name: string, retentionInDays: number): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(
            name,
            { namePrefix: `/aws/lambda/${name}-`, retentionInDays: requireLogRetention(TYPE, retentionInDays) },
            { parent: this },
        );
    }

    private createRole(name: string, logGroup: aws.cloudwatch.LogGroup, statements: pulumi.Input<PolicyStatement[]>) {
        const role = new aws.iam.Role(name, { assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com") }, { parent: this });
        const policy = pulumi.output(statements).apply((extra) => {
            const all: PolicyStatement[] = [
                // The log group already exists, so the function needs no logs:CreateLogGroup.
                { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [pulumi.interpolate`${logGroup.arn}:*`] },
                ...extra,
            ];
            requireScopedStatements(TYPE, all);
            return policyDocument(all);
        });
        const rolePolicy = new aws.iam.RolePolicy(name, { role: role.name, policy }, { parent: this });
        return { role, rolePolicy };
    }

    private createFunction(
        name: string,
        args: HandlerFunctionArgs<E, R>,
        role: aws.iam.Role,
        rolePolicy: aws.iam.RolePolicy,
        logGroup: aws.cloudwatch.LogGroup,
    ): aws.lambda.Function {
        const settings = args.settings ?? {};
        const code = args.code as Exclude<FunctionCode<E, R>, aws.lambda.Function>;
        const timeoutLimit = args.timeoutLimit ?? { seconds: 900, reason: "Lambda's limit" };
        const architectures = settings.architectures ?? [DEFAULT_LAMBDA.architecture];
        if (architectures.length !== 1) {
            throw new InvalidArgumentError(
                TYPE,
                `architectures must name exactly one of "arm64" or "x86_64"; got [${architectures.join(", ")}].`,
            );
        }
        const runtime = requireNodeRuntime(settings.runtime ?? DEFAULT_LAMBDA.runtime);
        const common = {
            role,
            description: args.description,
            runtime,
            architectures,
            memorySize: requireIntegerInRange(TYPE, "memorySize", settings.memorySize ?? DEFAULT_LAMBDA.memorySize, 128, 10240),
            timeout: requireIntegerInRange(
                TYPE,
                "timeout",
                settings.timeout ?? Math.min(DEFAULT_LAMBDA.timeout, timeoutLimit.seconds),
                1,
                timeoutLimit.seconds,
                ` seconds (${timeoutLimit.reason})`,
            ),
            environment: settings.environment ? { variables: settings.environment } : undefined,
            reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        };
        // Its grants exist before its first invocation, so no early log line or call is denied.
        const options = { parent: this, dependsOn: [rolePolicy] };
        if (isFileCode(code)) {
            const bundle = bundleHandlerFile(TYPE, code, Number(/^nodejs(\d+)\.x$/.exec(runtime)![1]));
            const archive = new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle) });
            return new aws.lambda.Function(
                name,
                { ...common, role: role.arn, code: archive, handler: `index.${code.export ?? "handler"}` },
                options,
            );
        }
        return new aws.lambda.CallbackFunction<E, R>(
            name,
            {
                ...("factory" in code ? { callbackFactory: code.factory } : { callback: code }),
                ...common,
                codePathOptions: lambdaCodePathOptions(settings.bundledPackages),
            },
            options,
        );
    }
}

function requireNodeRuntime(runtime: string): string {
    if (!/^nodejs\d+\.x$/.test(runtime)) {
        throw new InvalidArgumentError(
            TYPE,
            `runtime "${runtime}" cannot run a JavaScript callback: use a Node.js runtime such as "nodejs22.x".`,
        );
    }
    return runtime;
}
