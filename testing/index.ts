// Checks of a program's resource graph for its own tests (the package's `./testing` entry): record a program under
// Pulumi mocks in process, then assert least privilege as this project's own tests do (docs/security-checklist.md).
import { ResourceGraph } from "../local/graph/resource-graph";
import { recordProgram } from "../local/record/record-program";
import { RESOURCE_TYPES } from "../local/record/resource-types";

export { ResourceGraph } from "../local/graph/resource-graph";
export type { RecordedProgram, RecordedResource } from "../local/record/record-program";
export { RESOURCE_TYPES } from "../local/record/resource-types";

export interface RecordGraphOptions {
    /** @default "app" */
    project?: string;
    /** @default "dev" */
    stack?: string;
    /**
     * Stack config, namespaced as `pulumi config` holds it.
     * @default { "aws:region": "us-east-1" }
     */
    config?: Record<string, string>;
    /**
     * How long the program may take to register its resources; a closure Pulumi cannot serialize leaves it waiting.
     * @default 60000
     */
    timeoutMs?: number;
}

/**
 * Runs `program` (the body of your Pulumi program) in this process under mocks that answer as AWS would, and returns
 * every resource it registered, with inputs, mocked state, parent and dependencies.
 *
 * @example
 * const graph = await recordGraph(() => new EchoWebSocket("echo"));
 * expectLeastPrivilege(graph);
 */
export async function recordGraph(program: () => unknown, options: RecordGraphOptions = {}): Promise<ResourceGraph> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () => reject(new Error(`the program did not finish registering its resources within ${timeoutMs} ms`)),
            timeoutMs,
        );
    });
    const settings = {
        project: options.project ?? "app",
        stack: options.stack ?? "dev",
        config: options.config ?? { "aws:region": "us-east-1" },
    };
    try {
        return new ResourceGraph(await Promise.race([recordProgram(settings, program), timeout]));
    } finally {
        clearTimeout(timer);
    }
}

interface Statement {
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * What breaks least privilege in a graph, one line per finding, each starting with its checklist id:
 * I1 wildcard actions or resources, I2 AWS-managed FullAccess/PowerUser attachments (`CallbackFunction` without a
 * role attaches nine), I3 roles managed two ways, L1 Lambda permissions without a `sourceArn` (and `sourceAccount`
 * for S3), L3 functions without a log group of their own with retention. Empty when the graph holds.
 */
export function leastPrivilegeFindings(graph: ResourceGraph): string[] {
    const findings: string[] = [];
    for (const policy of [...graph.ofType(RESOURCE_TYPES.rolePolicy), ...graph.ofType(RESOURCE_TYPES.policy)]) {
        const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement?: Statement[] }).Statement ?? [];
        for (const statement of statements.filter((s) => s.Effect !== "Deny")) {
            for (const action of list(statement.Action).filter((a) => a === "*" || a.endsWith(":*"))) {
                findings.push(`I1: ${policy.name} allows every action of "${action}"; name the actions it needs`);
            }
            if (list(statement.Resource).includes("*")) {
                findings.push(`I1: ${policy.name} allows ${list(statement.Action).join(", ")} on every resource ("*"); name the ARNs`);
            }
        }
    }
    for (const attachment of graph.ofType(RESOURCE_TYPES.attachment)) {
        const arn = String(attachment.inputs.policyArn);
        if (/FullAccess|PowerUser/.test(arn))
            findings.push(`I2: ${attachment.name} attaches ${arn}; grant what the role needs inline instead`);
    }
    for (const role of graph.ofType(RESOURCE_TYPES.role)) {
        const inline = (role.inputs.inlinePolicies as unknown[] | null) ?? [];
        const managed = (role.inputs.managedPolicyArns as unknown[] | null) ?? [];
        if (inline.length > 0 || managed.length > 0) {
            findings.push(
                `I3: role ${role.name} sets inlinePolicies or managedPolicyArns; manage its policies with RolePolicy resources only`,
            );
        }
    }
    for (const permission of graph.ofType(RESOURCE_TYPES.permission)) {
        const sourceArn = permission.inputs.sourceArn;
        if (typeof sourceArn !== "string" || sourceArn === "*") {
            findings.push(
                `L1: permission ${permission.name} lets ${String(permission.inputs.principal)} invoke from any source; set sourceArn`,
            );
        }
        if (permission.inputs.principal === "s3.amazonaws.com" && typeof permission.inputs.sourceAccount !== "string") {
            findings.push(`L1: permission ${permission.name} for S3 has no sourceAccount; set the bucket owner's account`);
        }
    }
    for (const fn of graph.ofType(RESOURCE_TYPES.function)) {
        const logGroupName = (fn.inputs.loggingConfig as { logGroup?: string } | null)?.logGroup;
        const logGroup = graph.ofType(RESOURCE_TYPES.logGroup).find((g) => g.state.name === logGroupName);
        if (!logGroup || typeof logGroup.inputs.retentionInDays !== "number" || logGroup.inputs.retentionInDays <= 0) {
            findings.push(`L3: function ${fn.name} logs to no log group of its own with a retention; give it one (loggingConfig.logGroup)`);
        }
    }
    return findings;
}

/** Throws, listing every finding, unless the graph holds least privilege (`leastPrivilegeFindings`). */
export function expectLeastPrivilege(graph: ResourceGraph): void {
    const findings = leastPrivilegeFindings(graph);
    if (findings.length > 0) throw new Error(`least privilege does not hold:\n  ${findings.join("\n  ")}`);
}
