import type { LocalCloud } from "../cloud";
import { RESOURCE_TYPES } from "../record/resource-types";
import type { Json, RecordedResource } from "../record/record-program";

/** What backs each AWS resource type locally; types not listed are recorded but have no local behaviour. */
const LOCAL_BACKING: Record<string, (r: RecordedResource, cloud: LocalCloud) => string> = {
    [RESOURCE_TYPES.api]: (r, cloud) => cloud.apis.find((a) => a.apiId === r.id)?.url.replace(/\/[^/]*$/, "") ?? "",
    [RESOURCE_TYPES.stage]: (r, cloud) => cloud.apis.find((a) => a.apiId === r.inputs.apiId)?.url ?? "",
    [RESOURCE_TYPES.function]: () => "execution environments (processes)",
    [RESOURCE_TYPES.queue]: (r, cloud) => cloud.queues.find((q) => q.name === r.state.name)?.url ?? "",
    [RESOURCE_TYPES.table]: (_r, cloud) => `dynalite ${cloud.dynamodbEndpoint}`,
    [RESOURCE_TYPES.bucket]: (_r, cloud) => `s3rver ${cloud.s3Endpoint}`,
    [RESOURCE_TYPES.notification]: () => "S3 events → Lambda (async)",
};

/** A `pulumi up`-like tree of what was created, with the local service behind each resource. */
export function resourceTree(cloud: LocalCloud): string {
    const resources = cloud.program.resources;
    const children = new Map<string, RecordedResource[]>();
    for (const resource of resources) {
        children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
    }
    const rows: [string, string, string][] = [];
    const walk = (resource: RecordedResource, prefix: string, last: boolean, root: boolean) => {
        const branch = root ? "" : `${prefix}${last ? "└─ " : "├─ "}`;
        rows.push([`${branch}${displayType(resource.type)}`, resource.name, LOCAL_BACKING[resource.type]?.(resource, cloud) ?? ""]);
        const kids = children.get(resource.urn) ?? [];
        kids.forEach((kid, i) => walk(kid, root ? "" : `${prefix}${last ? "   " : "│  "}`, i === kids.length - 1, false));
    };
    for (const root of resources.filter((r) => r.parent === "")) walk(root, "", true, true);
    const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
    const lines = rows.map(([type, name, local]) => ` +   ${type.padEnd(widths[0])}  ${name.padEnd(widths[1])}  ${local}`.trimEnd());
    return [
        `     ${"Type".padEnd(widths[0])}  ${"Name".padEnd(widths[1])}  Local`,
        ...lines,
        "",
        `Resources:`,
        `    + ${resources.length} created`,
    ].join("\n");
}

export function outputsBlock(outputs: Record<string, Json>): string {
    const width = Math.max(0, ...Object.keys(outputs).map((k) => k.length));
    return ["Outputs:", ...Object.entries(outputs).map(([k, v]) => `    ${k.padEnd(width)}: ${JSON.stringify(v)}`)].join("\n");
}

/** As Pulumi shows types: `aws:apigatewayv2/api:Api` → `aws:apigatewayv2:Api`. */
function displayType(type: string): string {
    return type.replace(/^([^:]+):([^/:]+)\/[^:]+:(.+)$/, "$1:$2:$3");
}
